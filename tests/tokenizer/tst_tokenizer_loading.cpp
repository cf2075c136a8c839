// load_tokenizer on missing, truncated, corrupted and malformed files: always an Error that
// names the file, or a usable tokenizer; never a crash.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tokenizer/sentencepiece_model_proto.h"
#include "core/tokenizer/sentencepiece_normalizer.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The model in `bytes`, or null when it is rejected.
std::unique_ptr<afbs::Tokenizer> parse_and_create(const std::string& bytes) {
  auto proto = afbs::parse_sentencepiece_model(bytes);
  if (!proto.ok()) return nullptr;
  auto tokenizer = afbs::SentencePieceTokenizer::create(std::move(*proto));
  return tokenizer.ok() ? std::move(*tokenizer) : nullptr;
}

QString error_of(const afbs::Result<std::unique_ptr<afbs::Tokenizer>>& result) {
  return result.ok() ? QString() : QString::fromStdString(result.error().message);
}

}  // namespace

class TestTokenizerLoading : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() {
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(dir_->isValid());
    folder_ = dir_->path().toStdString();
  }

  void reports_missing_files() {
    const QString message = error_of(afbs::load_tokenizer(folder_));
    QVERIFY2(message.contains("neither tokenizer.model nor tokenizer.json"), qPrintable(message));
  }

  void prefers_tokenizer_model() {
    fs::copy_file(fs::path(AFBS_TEST_DATA) / "bpe_llama.model", folder_ / "tokenizer.model");
    fs::copy_file(fs::path(AFBS_TEST_DATA) / "gpt2.tokenizer.json", folder_ / "tokenizer.json");
    auto tokenizer = afbs::load_tokenizer(folder_);
    QVERIFY(tokenizer.ok());
    QCOMPARE((*tokenizer)->kind(), std::string("sentencepiece-bpe"));
  }

  // Every prefix of a model parses or fails cleanly (in memory, to keep the test fast); a
  // model cut in half fails through load_tokenizer with the file named.
  void rejects_truncated_model() {
    const std::string bytes = read_bytes(fs::path(AFBS_TEST_DATA) / "bpe_llama.model");
    QVERIFY(bytes.size() > 1000);
    int failures = 0;
    for (std::size_t length = 0; length < bytes.size(); length += 3) {
      if (auto tokenizer = parse_and_create(bytes.substr(0, length))) {
        tokenizer->decode(tokenizer->encode("still usable, 123 é"));
      } else {
        ++failures;
      }
    }
    QVERIFY(failures > 0);
    write_bytes(folder_ / "tokenizer.model", bytes.substr(0, bytes.size() / 2 + 1));
    const QString message = error_of(afbs::load_tokenizer(folder_));
    QVERIFY2(message.contains("tokenizer.model"), qPrintable(message));
  }

  void rejects_garbage_model() {
    std::mt19937 rng(7);
    std::string garbage(4096, '\0');
    for (char& c : garbage)
      c = static_cast<char>(rng());
    write_bytes(folder_ / "tokenizer.model", garbage);
    const QString message = error_of(afbs::load_tokenizer(folder_));
    QVERIFY2(message.contains("tokenizer.model"), qPrintable(message));
  }

  // Random byte flips (in the pieces and the nmt_nfkc character map's trie) never crash.
  void survives_corrupted_model() {
    const std::string bytes = read_bytes(fs::path(AFBS_TEST_DATA) / "unigram_nfkc.model");
    std::mt19937 rng(42);
    std::uniform_int_distribution<std::size_t> position(0, bytes.size() - 1);
    int loaded = 0;
    for (int round = 0; round < 100; ++round) {
      std::string corrupted = bytes;
      for (int flips = 0; flips < 8; ++flips)
        corrupted[position(rng)] = static_cast<char>(rng());
      if (auto tokenizer = parse_and_create(corrupted)) {
        ++loaded;
        tokenizer->decode(tokenizer->encode("Ｆｕｌｌ-width ＡＢＣ, café 東京 😀 ½ text  here"));
      }
    }
    QVERIFY(loaded > 0);  // most flips land in the character map and leave a loadable model
  }

  // Issue 15: a charsmap mapping a character to a huge string amplified every character of
  // the text until the memory ran out (abort).
  void rejects_an_amplifying_charsmap() {
    afbs::SentencePieceModelProto::NormalizerSpec spec;
    spec.precompiled_charsmap = std::string("\x04\0\0\0", 4) + std::string(4, '\0') +
                                std::string(100000, 'a') + std::string(1, '\0');
    auto normalizer = afbs::SentencePieceNormalizer::create(spec, {});
    QVERIFY(!normalizer.ok());
    QVERIFY2(QString::fromStdString(normalizer.error().message)
                 .contains("replacement longer than 256 bytes"),
             normalizer.error().message.c_str());
  }
  // Issue 15: 10^5 user-defined symbols made tokenising a page take 83 s instead of 1.3 s.
  void many_user_defined_symbols_stay_fast() {
    std::vector<std::string> symbols;
    for (int i = 0; i < 100000; ++i)
      symbols.push_back("<sym" + std::to_string(i) + ">");
    symbols.push_back("<sym1");  // a prefix of others: the longest match must win
    afbs::SentencePieceModelProto::NormalizerSpec spec;
    auto normalizer = afbs::SentencePieceNormalizer::create(spec, symbols);
    QVERIFY(normalizer.ok());
    QCOMPARE(normalizer->match_user_defined("<sym12>x"), std::size_t{7});
    QCOMPARE(normalizer->match_user_defined("<sym1x"), std::size_t{5});
    QCOMPARE(normalizer->match_user_defined("plain"), std::size_t{0});
    std::string text;
    while (text.size() < 200000)
      text += "In the beginning <sym42> created the heaven. ";
    QElapsedTimer timer;
    timer.start();
    const std::string normalized = normalizer->normalize(text);
    QVERIFY(normalized.find("<sym42>") != std::string::npos);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed()) + " ms"));
  }

  void rejects_bad_tokenizer_json_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("expected_error");
    const json good = [] {
      std::ifstream in(fs::path(AFBS_TEST_DATA) / "llama3.tokenizer.json");
      return json::parse(in);
    }();
    const auto variant = [&](auto edit) {
      json copy = good;
      edit(copy);
      return QString::fromStdString(copy.dump());
    };
    QTest::newRow("not json") << "{\"model\": [1, 2"
                              << "not valid JSON";
    QTest::newRow("garbage") << "\x01\x02\xff\xfe"
                             << "not valid JSON";
    QTest::newRow("not an object") << "[1, 2, 3]"
                                   << "not a JSON object";
    QTest::newRow("no model") << variant([](json& j) { j.erase("model"); }) << "'model' is missing";
    QTest::newRow("no vocab") << variant([](json& j) { j["model"].erase("vocab"); }) << "'vocab'";
    QTest::newRow("vocab id not integer")
        << variant([](json& j) { j["model"]["vocab"]["a"] = "x"; }) << "no integer id";
    QTest::newRow("vocab id far past the vocabulary")
        << variant([](json& j) { j["model"]["vocab"]["a"] = 2'000'000'000; }) << "out of range";
    QTest::newRow("no merges") << variant([](json& j) { j["model"].erase("merges"); })
                               << "'merges'";
    QTest::newRow("merge of unknown tokens") << variant([](json& j) {
      j["model"]["merges"][0] = {"zzz", "qqq"};
    }) << "missing from the vocab";
    QTest::newRow("malformed merge")
        << variant([](json& j) { j["model"]["merges"][0] = 5; }) << "neither";
    QTest::newRow("wordpiece") << variant([](json& j) { j["model"]["type"] = "WordPiece"; })
                               << "is not BPE";
    QTest::newRow("regex that does not compile") << variant([](json& j) {
      j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(\\w+";
    }) << "does not compile";
    QTest::newRow("unsupported pre-tokenizer step") << variant([](json& j) {
      j["pre_tokenizer"]["pretokenizers"][0] = {{"type", "BertPreTokenizer"}};
    }) << "'BertPreTokenizer' is not supported";
    QTest::newRow("no pre-tokenizer")
        << variant([](json& j) { j.erase("pre_tokenizer"); }) << "'pre_tokenizer' is missing";
    QTest::newRow("unknown normalizer") << variant([](json& j) {
      j["normalizer"] = {{"type", "Lowercase"}};
    }) << "unsupported normalizer";
    QTest::newRow("added token without id")
        << variant([](json& j) { j["added_tokens"][0].erase("id"); }) << "added token";
    // Issue 15: a deep normalizer once overflowed the stack (SIGSEGV).
    QTest::newRow("normalizer nested 1e5 deep")
        << variant([](json& j) {
             j["normalizer"] = "DEEP";
           }).replace("\"DEEP\"", QString(100000, '[') + QString(100000, ']'))
        << "deeper than 64 levels";
    QTest::newRow("model of wrong type")
        << variant([](json& j) { j["model"] = 3; }) << "'model' is missing";
  }

  void rejects_bad_tokenizer_json() {
    QFETCH(QString, content);
    QFETCH(QString, expected_error);
    write_bytes(folder_ / "tokenizer.json", content.toStdString());
    const QString message = error_of(afbs::load_tokenizer(folder_));
    QVERIFY2(message.contains("tokenizer.json"), qPrintable(message));
    QVERIFY2(message.contains(expected_error), qPrintable(message));
  }

 private:
  std::unique_ptr<QTemporaryDir> dir_;
  fs::path folder_;
};

QTEST_APPLESS_MAIN(TestTokenizerLoading)
#include "tst_tokenizer_loading.moc"

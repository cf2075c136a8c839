// Parity of our byte-level BPE with the Python `tokenizers` package: the fixtures
// data/<style>.tokenizer.json and data/<style>.expected.json were made on the GPU machine by
// tools/make_bpe_fixtures.py (tokenizers 0.23.2) from data/train.txt and data/corpus.txt.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode_normalization.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return json::parse(in);
}

void write_json(const fs::path& path, const json& value) {
  std::ofstream out(path, std::ios::binary);
  out << value.dump();
}

}  // namespace

class TestByteLevelBpeTokenizer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matches_tokenizers_data() {
    QTest::addColumn<QString>("style");
    QTest::addColumn<bool>("string_merges");
    QTest::addColumn<bool>("round_trips");  // false where add_prefix_space adds a space
    for (const char* style : {"llama3", "qwen2", "gpt2"}) {
      QTest::newRow(style) << style << false << true;
    }
    QTest::newRow("gpt2_prefix") << "gpt2_prefix" << false << false;
    // tokenizers before 0.20 wrote merges as "a b" strings.
    QTest::newRow("llama3, merges as strings") << "llama3" << true << true;
    QTest::newRow("gpt2, merges as strings") << "gpt2" << true << true;
  }

  // Every case's ids equal the ids `tokenizers` gave, and decode gives the text back.
  void matches_tokenizers() {
    QFETCH(QString, style);
    QFETCH(bool, string_merges);
    QFETCH(bool, round_trips);
    const fs::path data(AFBS_TEST_DATA);
    json config = read_json(data / (style.toStdString() + ".tokenizer.json"));
    const json expected = read_json(data / (style.toStdString() + ".expected.json"));
    if (string_merges) {
      for (json& merge : config["model"]["merges"]) {
        merge = merge[0].get<std::string>() + " " + merge[1].get<std::string>();
      }
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path folder = dir.path().toStdString();
    write_json(folder / "tokenizer.json", config);
    auto tokenizer = afbs::load_tokenizer(folder);
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
    QCOMPARE((*tokenizer)->kind(), std::string("byte-level-bpe"));

    const json& cases = expected["cases"];
    QVERIFY(cases.size() > 400);
    std::size_t compared_ids = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string text = cases[i]["text"].get<std::string>();
      const std::vector<int32_t> want = cases[i]["ids"].get<std::vector<int32_t>>();
      const std::vector<int32_t> got = (*tokenizer)->encode(text);
      if (got != want) {
        const QString message = QString("case %1 '%2': ours %3, tokenizers %4")
                                    .arg(i)
                                    .arg(QString::fromStdString(text).left(200))
                                    .arg(QString::fromStdString(json(got).dump()))
                                    .arg(QString::fromStdString(json(want).dump()));
        QFAIL(qPrintable(message));
      }
      if (round_trips) QCOMPARE((*tokenizer)->decode(got), text);
      compared_ids += got.size();
    }
    QVERIFY(compared_ids > 9000);
    qInfo("%s: %zu texts, %zu ids equal to tokenizers'", qPrintable(style), cases.size(),
          compared_ids);
  }

  // With Qwen2's NFC normaliser, decomposed accents get the ids of the composed text.
  void composes_with_nfc_normalizer() {
    const fs::path data(AFBS_TEST_DATA);
    json config = read_json(data / "qwen2.tokenizer.json");
    const json expected = read_json(data / "qwen2.expected.json");
    config["normalizer"] = {{"type", "NFC"}};
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    write_json(folder / "tokenizer.json", config);
    auto tokenizer = afbs::load_tokenizer(folder);
    QVERIFY(tokenizer.ok());
    const std::string composed = "\xC3\xA9";     // é
    const std::string decomposed = "e\xCC\x81";  // e + U+0301
    int compared = 0;
    for (const json& entry : expected["cases"]) {
      std::string text = entry["text"].get<std::string>();
      if (afbs::to_nfc(text) != text || text.find(composed) == std::string::npos) continue;
      for (std::size_t at = text.find(composed); at != std::string::npos;
           at = text.find(composed, at)) {
        text.replace(at, composed.size(), decomposed);
      }
      QCOMPARE((*tokenizer)->encode(text), entry["ids"].get<std::vector<int32_t>>());
      ++compared;
    }
    QVERIFY(compared >= 3);
  }

  void finds_special_ids() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    fs::copy_file(fs::path(AFBS_TEST_DATA) / "llama3.tokenizer.json", folder / "tokenizer.json");
    {
      auto tokenizer = afbs::load_tokenizer(folder);
      QVERIFY(tokenizer.ok());
      QCOMPARE((*tokenizer)->bos_id(), 0);  // <|begin_of_text|>
      QCOMPARE((*tokenizer)->eos_id(), 1);  // <|end_of_text|>
      QCOMPARE((*tokenizer)->vocab_size(), 700);
    }
    // tokenizer_config.json names the tokens when present.
    write_json(folder / "tokenizer_config.json",
               {{"bos_token", "<|end_of_text|>"}, {"eos_token", {{"content", "<|endoftext|>"}}}});
    auto tokenizer = afbs::load_tokenizer(folder);
    QVERIFY(tokenizer.ok());
    QCOMPARE((*tokenizer)->bos_id(), 1);
    QCOMPARE((*tokenizer)->eos_id(), 2);
  }
};

QTEST_APPLESS_MAIN(TestByteLevelBpeTokenizer)
#include "tst_byte_level_bpe_tokenizer.moc"

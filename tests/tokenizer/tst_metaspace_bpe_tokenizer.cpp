// MetaspaceBpeTokenizer on small hand-made tokenizer.json files (no fixtures needed): byte
// fallback of unknown characters, fuse_unk, Metaspace's prepend schemes after added tokens,
// the decoders, and the errors naming an unsupported component.
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Ids = std::vector<int32_t>;

constexpr int kFirstByte = 3;  // <0x00>; <unk> <s> </s> come first
constexpr int kSpace = 259;    // "▁"; then h i ▁h ▁hi ▁▁ a
constexpr int kH = 260, kI = 261, kSpaceHi = 263, kSpaceSpace = 264;

int byte_id(int byte) {
  return kFirstByte + byte;
}

// A Llama-2-style (legacy) tokenizer.json: Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer,
// byte fallback, and the decoder Replace, ByteFallback, Fuse, Strip.
json llama_legacy() {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", byte);
    vocab[name] = byte_id(byte);
  }
  int id = kSpace;
  for (const char* piece : {"▁", "h", "i", "▁h", "▁hi", "▁▁", "a"})
    vocab[piece] = id++;
  const auto added = [](int token_id, const char* content) {
    return json{{"id", token_id},  {"content", content},  {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", true}};
  };
  return json{{"version", "1.0"},
              {"added_tokens", {added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")}},
              {"normalizer",
               {{"type", "Sequence"},
                {"normalizers",
                 {{{"type", "Prepend"}, {"prepend", "▁"}},
                  {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}}}}},
              {"pre_tokenizer", nullptr},
              {"decoder",
               {{"type", "Sequence"},
                {"decoders",
                 {{{"type", "Replace"}, {"pattern", {{"String", "▁"}}}, {"content", " "}},
                  {{"type", "ByteFallback"}},
                  {{"type", "Fuse"}},
                  {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
              {"model",
               {{"type", "BPE"},
                {"unk_token", "<unk>"},
                {"fuse_unk", true},
                {"byte_fallback", true},
                {"vocab", vocab},
                {"merges", json::array({json::array({"▁", "h"}), json::array({"▁h", "i"}),
                                        json::array({"▁", "▁"})})}}}};
}

// The same with no normalizer and a Metaspace pre-tokenizer of `scheme`.
json with_metaspace(const std::string& scheme) {
  json config = llama_legacy();
  config["normalizer"] = nullptr;
  config["pre_tokenizer"] = {
      {"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", scheme}, {"split", false}};
  return config;
}

}  // namespace

Q_DECLARE_METATYPE(json)
Q_DECLARE_METATYPE(Ids)

class TestMetaspaceBpeTokenizer : public QObject {
  Q_OBJECT

 private:
  // The tokenizer for `config`, written to a temporary folder as tokenizer.json.
  std::unique_ptr<afbs::Tokenizer> load(const json& config) {
    const fs::path folder = dir_.path().toStdString();
    std::ofstream(folder / "tokenizer.json", std::ios::binary | std::ios::trunc) << config.dump();
    auto tokenizer = afbs::load_tokenizer(folder);
    if (!tokenizer.ok()) qWarning("%s", tokenizer.error().message.c_str());
    return tokenizer.ok() ? std::move(*tokenizer) : nullptr;
  }
  QString error_of(const json& config) {
    const fs::path folder = dir_.path().toStdString();
    std::ofstream(folder / "tokenizer.json", std::ios::binary | std::ios::trunc) << config.dump();
    auto tokenizer = afbs::load_tokenizer(folder);
    return tokenizer.ok() ? QString() : QString::fromStdString(tokenizer.error().message);
  }

  QTemporaryDir dir_;

 private Q_SLOTS:
  void loads_as_metaspace_bpe() {
    auto tokenizer = load(llama_legacy());
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->kind(), std::string("metaspace-bpe"));
    QCOMPARE(tokenizer->bos_id(), 1);
    QCOMPARE(tokenizer->eos_id(), 2);
    QCOMPARE(tokenizer->vocab_size(), 266);
  }

  // "é" is not in the vocabulary: its two UTF-8 bytes become <0xC3> <0xA9>.
  void unknown_character_falls_back_to_bytes() {
    auto tokenizer = load(llama_legacy());
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->encode("hi \xC3\xA9"),
             (Ids{kSpaceHi, kSpace, byte_id(0xC3), byte_id(0xA9)}));
    QCOMPARE(tokenizer->decode({kSpaceHi, kSpace, byte_id(0xC3), byte_id(0xA9)}),
             std::string("hi \xC3\xA9"));
    // A lone byte that is not UTF-8 decodes to U+FFFD, once per byte.
    QCOMPARE(tokenizer->decode({kSpaceHi, byte_id(0xC3), byte_id(0xC3)}),
             std::string("hi\xEF\xBF\xBD\xEF\xBF\xBD"));
  }

  // Without byte fallback (or its byte token), unknown characters are <unk>: one for a run
  // under fuse_unk, one each without.
  void unknown_characters_fuse_into_one_unk() {
    json config = llama_legacy();
    config["model"]["byte_fallback"] = false;
    auto fused = load(config);
    QVERIFY(fused);
    QCOMPARE(fused->encode("hi \xC3\xA9\xC3\xA9h"), (Ids{kSpaceHi, kSpace, 0, kH}));
    config["model"]["fuse_unk"] = false;
    auto unfused = load(config);
    QVERIFY(unfused);
    QCOMPARE(unfused->encode("hi \xC3\xA9\xC3\xA9h"), (Ids{kSpaceHi, kSpace, 0, 0, kH}));
    json missing_byte = llama_legacy();
    missing_byte["model"]["vocab"].erase("<0xA9>");
    auto partial = load(missing_byte);
    QVERIFY(partial);
    QCOMPARE(partial->encode("\xC3\xA9"), (Ids{kSpace, 0}));
  }

  // Merges run over the whole normalised text: a run of spaces merges into "▁▁".
  void merges_across_the_whole_text() {
    auto tokenizer = load(llama_legacy());
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->encode("a   hi"), (Ids{kSpace, 265, kSpaceSpace, kSpaceHi}));
    QCOMPARE(tokenizer->decode(tokenizer->encode("a   hi")), std::string("a   hi"));
  }

  // The legacy normalizer prepends "▁" to every stretch between added tokens; Metaspace's
  // "first" only at the start of the text, "always" everywhere, "never" nowhere.
  void prepend_schemes_data() {
    QTest::addColumn<json>("config");
    QTest::addColumn<Ids>("plain");
    QTest::addColumn<Ids>("after_bos");
    QTest::newRow("legacy normalizer") << llama_legacy() << Ids{kSpaceHi} << Ids{1, kSpaceHi};
    QTest::newRow("first") << with_metaspace("first") << Ids{kSpaceHi} << Ids{1, kH, kI};
    QTest::newRow("always") << with_metaspace("always") << Ids{kSpaceHi} << Ids{1, kSpaceHi};
    QTest::newRow("never") << with_metaspace("never") << Ids{kH, kI} << Ids{1, kH, kI};
  }
  void prepend_schemes() {
    QFETCH(json, config);
    QFETCH(Ids, plain);
    QFETCH(Ids, after_bos);
    auto tokenizer = load(config);
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->encode("hi"), plain);
    QCOMPARE(tokenizer->encode("<s>hi"), after_bos);
    QCOMPARE(tokenizer->encode(""), Ids{});
  }

  // An added token marked "normalized" (a plain added token) is normalised itself and looked for
  // in the normalised text: under Prepend("▁") "<x>" is found only as "▁<x>".
  void normalized_added_token_matches_normalised_text() {
    json config = llama_legacy();
    config["added_tokens"].push_back(
        {{"id", 266}, {"content", "<x>"}, {"normalized", true}, {"special", false}});
    auto tokenizer = load(config);
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->encode("<x>hi"), (Ids{266, kH, kI}));
    QCOMPARE(tokenizer->encode("a <x>"), (Ids{kSpace, 265, 266}));
    QVERIFY(tokenizer->encode("a<x>") != (Ids{kSpace, 265, 266}));  // no "▁" before it
    QCOMPARE(tokenizer->decode({kSpaceHi, 266}), std::string("hi <x>"));
  }

  // Metaspace's own decoder drops the replacement at the start of the first token.
  void metaspace_decoder() {
    json config = with_metaspace("first");
    config["decoder"] = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}};
    auto tokenizer = load(config);
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->decode({kSpaceHi, kSpaceHi}), std::string("hi hi"));
  }

  void decode_round_trips() {
    auto tokenizer = load(llama_legacy());
    QVERIFY(tokenizer);
    for (const char* text : {"hi", "a hi  a", "\xE6\x9D\xB1\xE4\xBA\xAC and \xF0\x9F\x98\x80",
                             "tab\there\nnew line", "  two leading spaces"}) {
      QCOMPARE(tokenizer->decode(tokenizer->encode(text)), std::string(text));
    }
  }

  void unsupported_components_are_named_data() {
    QTest::addColumn<json>("config");
    QTest::addColumn<QString>("expected");
    const auto edit = [](auto change) {
      json config = llama_legacy();
      change(config);
      return config;
    };
    QTest::newRow("decoder") << edit([](json& c) {
      c["decoder"] = {{"type", "WordPiece"}};
    }) << "decoder: unsupported decoder";
    QTest::newRow("normalizer") << edit([](json& c) {
      c["normalizer"] = {{"type", "Lowercase"}};
    }) << "normalizer: unsupported normalizer";
    QTest::newRow("pre-tokenizer") << edit([](json& c) {
      c["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    }) << "'BertPreTokenizer' is not supported";
    QTest::newRow("model") << edit([](json& c) { c["model"]["type"] = "Unigram"; })
                           << "'Unigram' is not BPE";
    QTest::newRow("prepend scheme") << edit([](json& c) {
      c["pre_tokenizer"] = {{"type", "Metaspace"}, {"prepend_scheme", "sometimes"}};
    }) << "prepend_scheme 'sometimes'";
  }
  void unsupported_components_are_named() {
    QFETCH(json, config);
    QFETCH(QString, expected);
    const QString message = error_of(config);
    QVERIFY2(message.contains("tokenizer.json"), qPrintable(message));
    QVERIFY2(message.contains(expected), qPrintable(message));
  }
};

QTEST_APPLESS_MAIN(TestMetaspaceBpeTokenizer)
#include "tst_metaspace_bpe_tokenizer.moc"

// Parity with `tokenizers` over every data/<style>.tokenizer.json + data/<style>.expected.json
// pair there is: byte-level (tools/make_bpe_fixtures.py) and the model families Qwen3, Phi-3,
// Llama-2 (Metaspace "first"; a ChatML fine-tune) and Gemma (tools/make_family_fixtures.*). Each
// case's ids equal tokenizers', and where the fixture records tokenizers' decoded text, so does
// ours.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kTokenizerSuffix = ".tokenizer.json";

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return json::parse(in);
}

// Styles with both files, sorted.
std::set<std::string> fixture_styles() {
  std::set<std::string> styles;
  for (const auto& entry : fs::directory_iterator(AFBS_TEST_DATA)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(kTokenizerSuffix)) continue;
    const std::string style = name.substr(0, name.size() - kTokenizerSuffix.size());
    if (fs::exists(fs::path(AFBS_TEST_DATA) / (style + ".expected.json"))) styles.insert(style);
  }
  return styles;
}

}  // namespace

class TestTokenizerFixtures : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // The families this repository claims are there (a lost fixture fails here, not silently).
  void family_fixtures_are_present() {
    const std::set<std::string> styles = fixture_styles();
    for (const char* style :
         {"qwen3", "phi3", "llama2_metaspace", "llama2_chatml", "gemma", "qwen2", "llama3"})
      QVERIFY2(styles.count(style) == 1, style);
  }

  void matches_tokenizers_data() {
    QTest::addColumn<QString>("style");
    QTest::addColumn<QString>("kind");
    for (const std::string& style : fixture_styles()) {
      const json config = read_json(fs::path(AFBS_TEST_DATA) / (style + ".tokenizer.json"));
      const bool byte_fallback = config["model"].value("byte_fallback", false);
      QTest::newRow(style.c_str())
          << QString::fromStdString(style) << (byte_fallback ? "metaspace-bpe" : "byte-level-bpe");
    }
  }

  void matches_tokenizers() {
    QFETCH(QString, style);
    QFETCH(QString, kind);
    const fs::path data(AFBS_TEST_DATA);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path folder = dir.path().toStdString();
    fs::copy_file(data / (style.toStdString() + ".tokenizer.json"), folder / "tokenizer.json");
    auto tokenizer = afbs::load_tokenizer(folder);
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
    QCOMPARE(QString::fromStdString((*tokenizer)->kind()), kind);

    const json expected = read_json(data / (style.toStdString() + ".expected.json"));
    const json& cases = expected["cases"];
    QVERIFY(cases.size() > 400);
    std::size_t compared_ids = 0, compared_decodes = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string text = cases[i]["text"].get<std::string>();
      const std::vector<int32_t> want = cases[i]["ids"].get<std::vector<int32_t>>();
      const std::vector<int32_t> got = (*tokenizer)->encode(text);
      if (got != want) {
        QFAIL(qPrintable(QString("case %1 '%2': ours %3, tokenizers %4")
                             .arg(i)
                             .arg(QString::fromStdString(text).left(200))
                             .arg(QString::fromStdString(json(got).dump()))
                             .arg(QString::fromStdString(json(want).dump()))));
      }
      compared_ids += got.size();
      if (cases[i].contains("decoded")) {
        const std::string decoded = (*tokenizer)->decode(got);
        if (decoded != cases[i]["decoded"].get<std::string>()) {
          QFAIL(qPrintable(QString("case %1: decoded '%2', tokenizers '%3'")
                               .arg(i)
                               .arg(QString::fromStdString(decoded).left(200))
                               .arg(QString::fromStdString(cases[i]["decoded"]).left(200))));
        }
        ++compared_decodes;
      }
    }
    QVERIFY(compared_ids > 9000);
    qInfo("%s: %zu texts, %zu ids and %zu decoded texts equal to tokenizers'", qPrintable(style),
          cases.size(), compared_ids, compared_decodes);
  }
};

QTEST_APPLESS_MAIN(TestTokenizerFixtures)
#include "tst_tokenizer_fixtures.moc"

// Our NFC against Python's unicodedata.normalize("NFC", ...): data/nfc_cases.json, made by
// tools/make_nfc_fixtures.py (every canonically decomposable character, decomposed and as is,
// and random mixes of bases, combining marks, Hangul jamo and composition exclusions).
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tokenizer/unicode_normalization.h"

class TestUnicodeNfc : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matches_python_unicodedata() {
    std::ifstream in(std::filesystem::path(AFBS_TEST_DATA) / "nfc_cases.json");
    const nlohmann::json fixture = nlohmann::json::parse(in);
    const nlohmann::json& cases = fixture["cases"];
    QVERIFY(cases.size() > 5000);
    int changed = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string input = cases[i][0].get<std::string>();
      const std::string expected = cases[i][1].get<std::string>();
      const std::string ours = afbs::to_nfc(input);
      if (ours != expected) {
        QFAIL(qPrintable(QString("case %1 '%2': ours '%3', Python '%4'")
                             .arg(i)
                             .arg(QString::fromStdString(input), QString::fromStdString(ours),
                                  QString::fromStdString(expected))));
      }
      changed += input != expected;
    }
    QVERIFY(changed > 2000);  // the cases do exercise composition
  }

  void keeps_malformed_bytes() {
    const std::string text = "e\xCC\x81\xFF\xCC";  // e + U+0301, a stray byte, a cut sequence
    QCOMPARE(afbs::to_nfc(text), std::string("\xC3\xA9\xFF\xCC"));
    QCOMPARE(afbs::to_nfc("plain ASCII"), std::string("plain ASCII"));
    QCOMPARE(afbs::to_nfc(""), std::string());
  }
};

QTEST_APPLESS_MAIN(TestUnicodeNfc)
#include "tst_unicode_nfc.moc"

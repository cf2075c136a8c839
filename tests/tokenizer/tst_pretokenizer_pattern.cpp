// The pre-tokeniser regexes (libpcre2) on cases whose pieces follow from the regex semantics
// (the byte-level parity fixtures exercise them on a corpus and random stress lines too).
#include <QtTest>

#include <string>
#include <string_view>

#include "core/tokenizer/pretokenizer_pattern.h"

class TestPretokenizerPattern : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void splits_pretokens_data() {
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("pieces");
    const QString llama3 = QString::fromUtf8(afbs::PretokenizerPattern::kLlama3.data());
    const QString qwen2 = QString::fromUtf8(afbs::PretokenizerPattern::kQwen2.data());
    const QString gpt2 = QString::fromUtf8(afbs::PretokenizerPattern::kGpt2.data());
    QTest::newRow("llama3 contractions ignore case")
        << llama3 << "I'LL go, WE'VE" << QStringList{"I", "'LL", " go", ",", " WE", "'VE"};
    QTest::newRow("gpt2 contractions keep case")
        << gpt2 << "I'LL go" << QStringList{"I", "'", "LL", " go"};
    QTest::newRow("llama3 digits in threes")
        << llama3 << "x 12345" << QStringList{"x", " ", "123", "45"};
    QTest::newRow("qwen2 digits alone") << qwen2 << "123" << QStringList{"1", "2", "3"};
    QTest::newRow("gpt2 digits with a space") << gpt2 << "x 12345" << QStringList{"x", " 12345"};
    QTest::newRow("llama3 spaces before a word")
        << llama3 << "a   b" << QStringList{"a", "  ", " b"};
    QTest::newRow("llama3 newline runs") << llama3 << "a \n\n b" << QStringList{"a", " \n\n", " b"};
    QTest::newRow("llama3 punctuation keeps newlines")
        << llama3 << "x.\n\ny" << QStringList{"x", ".\n\n", "y"};
    QTest::newRow("llama3 tab joins the word") << llama3 << "\tword" << QStringList{"\tword"};
    QTest::newRow("trailing spaces") << gpt2 << "end   " << QStringList{"end", "   "};
    QTest::newRow("letters beyond ASCII")
        << llama3 << QString::fromUtf8("Zürich 東京")
        << QStringList{QString::fromUtf8("Zürich"), QString::fromUtf8(" 東京")};
  }

  void splits_pretokens() {
    QFETCH(QString, pattern);
    QFETCH(QString, text);
    QFETCH(QStringList, pieces);
    const auto parsed = afbs::PretokenizerPattern::from_regex(pattern.toStdString());
    QVERIFY(parsed.ok());
    const std::string utf8 = text.toStdString();
    QStringList got;
    for (const std::string_view piece : parsed->split(utf8))
      got << QString::fromStdString(std::string(piece));
    QCOMPARE(got, pieces);
  }

  // Any pattern compiles now; one that is not a regex is an error naming it and the place.
  void any_pattern_and_bad_ones() {
    const auto words = afbs::PretokenizerPattern::from_regex("\\w+");
    QVERIFY(words.ok());
    QCOMPARE(words->split("ab, cd").size(), size_t{3});
    const auto bad = afbs::PretokenizerPattern::from_regex("(\\p{L}+");
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().message.find("(\\p{L}+") != std::string::npos,
             bad.error().message.c_str());
    QVERIFY2(bad.error().message.find("at byte") != std::string::npos, bad.error().message.c_str());
  }

  // \s is Unicode White_Space (U+0085, U+2028, U+3000 included); an empty match yields no
  // piece; a malformed byte never matches and stands alone between matches.
  void unicode_space_empty_matches_and_bad_bytes() {
    const auto spaces = afbs::PretokenizerPattern::from_regex("\\s+");
    QVERIFY(spaces.ok());
    const std::string text = "a\u0085b\u2028c\u3000d";
    QCOMPARE(spaces->split(text).size(), size_t{7});
    const auto maybe = afbs::PretokenizerPattern::from_regex("x*");
    QVERIFY(maybe.ok());
    const auto pieces = maybe->split("abxxc");
    QCOMPARE(pieces, (std::vector<std::string_view>{"ab", "xx", "c"}));
    const auto letters = afbs::PretokenizerPattern::from_regex("\\p{L}+");
    QCOMPARE(letters->split("ab\xFF"
                            "cd"),
             (std::vector<std::string_view>{"ab", "\xFF", "cd"}));
  }
};

QTEST_APPLESS_MAIN(TestPretokenizerPattern)
#include "tst_pretokenizer_pattern.moc"

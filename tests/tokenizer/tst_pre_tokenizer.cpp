// tokenizer.json pre_tokenizer steps as `tokenizers` applies them: Split with each behaviour
// and invert, String patterns, Digits, Punctuation, ByteLevel's prefix space, Sequence; and
// the errors for unsupported steps. Expected pieces follow tokenizers' documented examples.
#include <QtTest>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tokenizer/pre_tokenizer.h"

using nlohmann::json;
using Pieces = std::vector<std::string>;
Q_DECLARE_METATYPE(json)
Q_DECLARE_METATYPE(Pieces)

namespace {

json sequence(json step) {
  return json{{"type", "Sequence"},
              {"pretokenizers",
               {std::move(step),
                {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
}

json split(const std::string& regex, const std::string& behavior, bool invert = false) {
  return {{"type", "Split"},
          {"pattern", {{"Regex", regex}}},
          {"behavior", behavior},
          {"invert", invert}};
}

}  // namespace

class TestPreTokenizer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void pieces_data() {
    QTest::addColumn<json>("pre");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Pieces>("expected");
    // tokenizers' own test of SplitDelimiterBehavior on "The-final--countdown" with "-".
    const QString text = "The-final--countdown";
    QTest::newRow("isolated") << sequence(split("-", "Isolated")) << text
                              << Pieces{"The", "-", "final", "-", "-", "countdown"};
    QTest::newRow("removed") << sequence(split("-", "Removed")) << text
                             << Pieces{"The", "final", "countdown"};
    QTest::newRow("merged with previous") << sequence(split("-", "MergedWithPrevious")) << text
                                          << Pieces{"The-", "final-", "-", "countdown"};
    QTest::newRow("merged with next") << sequence(split("-", "MergedWithNext")) << text
                                      << Pieces{"The", "-final", "-", "-countdown"};
    QTest::newRow("contiguous") << sequence(split("-", "Contiguous")) << text
                                << Pieces{"The", "-", "final", "--", "countdown"};
    QTest::newRow("inverted removed")
        << sequence(split("\\p{L}+", "Removed", true)) << "ab, cd" << Pieces{"ab", "cd"};
    QTest::newRow("string pattern") << sequence(json{{"type", "Split"},
                                                     {"pattern", {{"String", "."}}},
                                                     {"behavior", "Isolated"},
                                                     {"invert", false}})
                                    << "a.b*c" << Pieces{"a", ".", "b*c"};
    QTest::newRow("digits together")
        << sequence(json{{"type", "Digits"}}) << "ab123c4" << Pieces{"ab", "123", "c", "4"};
    QTest::newRow("digits alone") << sequence(json{{"type", "Digits"}, {"individual_digits", true}})
                                  << "x12" << Pieces{"x", "1", "2"};
    QTest::newRow("punctuation") << sequence(json{{"type", "Punctuation"}})
                                 << QString::fromUtf8("Hey! «yes»…")
                                 << Pieces{"Hey", "!",        " ",           "\xC2\xAB",
                                           "yes", "\xC2\xBB", "\xE2\x80\xA6"};
    QTest::newRow("byte level with prefix on every piece")
        << json{{"type", "Sequence"},
                {"pretokenizers",
                 {split("\\n", "Isolated"),
                  {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}}}}}
        << "a\nb" << Pieces{" a", " \n", " b"};
    QTest::newRow("byte level alone uses GPT-2's regex")
        << json{{"type", "ByteLevel"}, {"add_prefix_space", false}} << "Hello world!"
        << Pieces{"Hello", " world", "!"};
  }

  void pieces() {
    QFETCH(json, pre);
    QFETCH(QString, text);
    QFETCH(Pieces, expected);
    auto parsed = afbs::PreTokenizer::from_json(pre);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    QCOMPARE(parsed->split(text.toStdString()), expected);
  }

  void unsupported_steps_are_named() {
    auto metaspace =
        afbs::PreTokenizer::from_json(sequence(json{{"type", "Metaspace"}, {"replacement", "_"}}));
    QVERIFY(!metaspace.ok());
    QVERIFY(metaspace.error().message.find("Metaspace") != std::string::npos);
    auto behavior = afbs::PreTokenizer::from_json(sequence(split("-", "Sideways")));
    QVERIFY(!behavior.ok());
    QVERIFY(behavior.error().message.find("Sideways") != std::string::npos);
    auto no_byte_level = afbs::PreTokenizer::from_json(split("-", "Isolated"));
    QVERIFY(!no_byte_level.ok());
    QVERIFY(no_byte_level.error().message.find("ByteLevel") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestPreTokenizer)
#include "tst_pre_tokenizer.moc"

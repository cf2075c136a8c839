// tokenizer.json pre_tokenizer steps as `tokenizers` applies them: Split with each behaviour
// and invert, String patterns, Digits, Punctuation, ByteLevel's prefix space, Metaspace's
// prepend schemes and split, Sequence; and the errors for unsupported steps. Expected pieces follow
// tokenizers' documented examples.
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

json metaspace(const std::string& scheme, bool split) {
  return {{"type", "Metaspace"},
          {"replacement", "\u2581"},
          {"prepend_scheme", scheme},
          {"split", split}};
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
    // Metaspace (tokenizers' own tests): spaces to "▁", prepended by the scheme, cut before
    // each "▁" when split.
    QTest::newRow("metaspace always, split")
        << metaspace("always", true) << "Hey  friend" << Pieces{"▁Hey", "▁", "▁friend"};
    QTest::newRow("metaspace always, whole")
        << metaspace("always", false) << "Hey friend" << Pieces{"▁Hey▁friend"};
    QTest::newRow("metaspace never")
        << metaspace("never", true) << "Hey friend" << Pieces{"Hey", "▁friend"};
    QTest::newRow("metaspace keeps a leading space once")
        << metaspace("always", false) << " Hey" << Pieces{"▁Hey"};
    QTest::newRow("metaspace after a split step")
        << json{{"type", "Sequence"},
                {"pretokenizers", {split("\\d", "Isolated"), metaspace("always", false)}}}
        << "a1b" << Pieces{"▁a", "▁1", "▁b"};
  }

  // "first" prepends only to text at the start of the whole input (not after an added token),
  // and to the first piece of a Sequence.
  void metaspace_first_prepends_at_the_start_only() {
    auto whole = afbs::PreTokenizer::from_json(metaspace("first", false));
    QVERIFY(whole.ok());
    QCOMPARE(whole->split("Hey friend", true), Pieces{"▁Hey▁friend"});
    QCOMPARE(whole->split("Hey friend", false), Pieces{"Hey▁friend"});
    auto after_split = afbs::PreTokenizer::from_json(
        json{{"type", "Sequence"},
             {"pretokenizers", {split("\\d", "Isolated"), metaspace("first", false)}}});
    QVERIFY(after_split.ok());
    QCOMPARE(after_split->split("a1b", true), (Pieces{"▁a", "1", "b"}));
    QVERIFY(!after_split->has_byte_level());
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
    auto whitespace = afbs::PreTokenizer::from_json(sequence(json{{"type", "WhitespaceSplit"}}));
    QVERIFY(!whitespace.ok());
    QVERIFY(whitespace.error().message.find("WhitespaceSplit") != std::string::npos);
    auto scheme = afbs::PreTokenizer::from_json(metaspace("sometimes", true));
    QVERIFY(!scheme.ok());
    QVERIFY(scheme.error().message.find("sometimes") != std::string::npos);
    auto replacement = afbs::PreTokenizer::from_json(
        json{{"type", "Metaspace"}, {"replacement", "ab"}, {"prepend_scheme", "always"}});
    QVERIFY(!replacement.ok());
    QVERIFY(replacement.error().message.find("not one character") != std::string::npos);
    auto behavior = afbs::PreTokenizer::from_json(sequence(split("-", "Sideways")));
    QVERIFY(!behavior.ok());
    QVERIFY(behavior.error().message.find("Sideways") != std::string::npos);
    auto after_byte_level = afbs::PreTokenizer::from_json(
        json{{"type", "Sequence"},
             {"pretokenizers", {{{"type", "ByteLevel"}}, split("-", "Isolated")}}});
    QVERIFY(!after_byte_level.ok());
    QVERIFY(after_byte_level.error().message.find("after ByteLevel") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestPreTokenizer)
#include "tst_pre_tokenizer.moc"

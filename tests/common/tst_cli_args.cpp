#include <QtTest>

#include "app/tune/cli_args.h"

using afbs::cli::CliArgs;

class TestCliArgs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void splits_positionals_options_and_switches() {
    auto args = CliArgs::parse({"model", "--length", "512", "--json", "--text=a.txt"},
                               {"length", "text"}, {"json"});
    QVERIFY(args.ok());
    QCOMPARE(args->positionals().size(), size_t(1));
    QCOMPARE(args->positionals()[0], std::string("model"));
    QCOMPARE(args->get("text"), std::string("a.txt"));
    QVERIFY(args->has("json"));
    QVERIFY(!args->has("missing"));
    QCOMPARE(args->get_int("length", 0).value(), 512LL);
    QCOMPARE(args->get_int("absent", 7).value(), 7LL);
  }
  void rejects_unknown_options_and_missing_values() {
    auto unknown = CliArgs::parse({"--lenght", "5"}, {"length"}, {});
    QVERIFY(!unknown.ok());
    QVERIFY(QString::fromStdString(unknown.error().message).contains("--lenght"));
    auto missing = CliArgs::parse({"--length"}, {"length"}, {});
    QVERIFY(!missing.ok());
    QVERIFY(QString::fromStdString(missing.error().message).contains("needs a value"));
    auto valued_switch = CliArgs::parse({"--json=1"}, {}, {"json"});
    QVERIFY(!valued_switch.ok());
  }
  void names_the_option_on_a_bad_number() {
    auto args = CliArgs::parse({"--length", "12x", "--l1", "abc"}, {"length", "l1"}, {});
    QVERIFY(args.ok());
    auto length = args->get_int("length", 0);
    QVERIFY(!length.ok());
    QVERIFY(QString::fromStdString(length.error().message).contains("--length"));
    QVERIFY(!args->get_double("l1", 0.0).ok());
  }
};

QTEST_APPLESS_MAIN(TestCliArgs)
#include "tst_cli_args.moc"

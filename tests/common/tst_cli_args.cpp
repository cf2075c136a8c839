#include <QtTest>

#include "app/tune/cli_args.h"
#include "app/tune/number_lists.h"
#include "app/tune/out_of_memory_advice.h"

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
  // Issue 15: a range ending near INT_MAX wrapped around or filled the memory (abort).
  void number_lists_are_bounded_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("count");  // -1: refused
    QTest::addColumn<QString>("expected");
    QTest::newRow("list") << "512,1024,2048" << 3 << "";
    QTest::newRow("range") << "0-3,5" << 5 << "";
    QTest::newRow("at INT_MAX") << "2147483646-2147483647" << 2 << "";
    QTest::newRow("up to INT_MAX")
        << "0-2147483647" << -1 << "--layers: '0-2147483647' names more than 65536 values";
    QTest::newRow("past INT_MAX") << "0-2147483648" << -1 << "is not a number or a range";
    QTest::newRow("many ranges") << "0-40000,0-40000" << -1 << "names more than 65536 values";
    QTest::newRow("reversed") << "5-3" << -1 << "is not a number or a range";
    QTest::newRow("negative") << "-3" << -1 << "is not a number or a range";
    QTest::newRow("empty") << "" << -1 << "no values given";
  }
  void number_lists_are_bounded() {
    QFETCH(QString, text);
    QFETCH(int, count);
    QFETCH(QString, expected);
    auto values = afbs::cli::parse_int_list(text.toStdString(), "--layers");
    QCOMPARE(values.ok(), count >= 0);
    if (values.ok()) {
      QCOMPARE(static_cast<int>(values->size()), count);
    } else {
      QVERIFY2(QString::fromStdString(values.error().message).contains(expected),
               values.error().message.c_str());
    }
  }

  // --blocks: the three shapes the kernels run, anything else refused by name.
  void block_shapes_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("query");  // 0: refused
    QTest::addColumn<int>("key");
    QTest::newRow("64x64") << "64x64" << 64 << 64;
    QTest::newRow("128x64") << "128x64" << 128 << 64;
    QTest::newRow("64x128") << "64x128" << 64 << 128;
    QTest::newRow("unsupported") << "128x128" << 0 << 0;
    QTest::newRow("odd") << "96x64" << 0 << 0;
    QTest::newRow("one number") << "128" << 0 << 0;
    QTest::newRow("missing key") << "128x" << 0 << 0;
    QTest::newRow("trailing text") << "128x64x" << 0 << 0;
    QTest::newRow("negative") << "-64x64" << 0 << 0;
    QTest::newRow("empty") << "" << 0 << 0;
  }
  void block_shapes() {
    QFETCH(QString, text);
    QFETCH(int, query);
    QFETCH(int, key);
    auto shape = afbs::cli::parse_block_shape(text.toStdString(), "--blocks");
    QCOMPARE(shape.ok(), query > 0);
    if (shape.ok()) {
      QCOMPARE(shape->query, int64_t{query});
      QCOMPARE(shape->key, int64_t{key});
    } else {
      const QString message = QString::fromStdString(shape.error().message);
      QVERIFY2(message.startsWith("--blocks: '" + text + "'"), qPrintable(message));
      QVERIFY2(message.contains("64x64, 128x64 or 64x128"), qPrintable(message));
    }
  }

  // After an out-of-memory error: the settings to lower with their values, and the resume
  // command only once a journal exists.
  void out_of_memory_advice_names_what_to_lower() {
    afbs::cli::TuneMemorySettings settings;
    settings.fidelities = {1024, 4096};
    settings.tune_windows = 2;
    settings.validation_windows = 3;
    settings.dtype = "f32";
    settings.resume_command = "afbs-tune tune m --out c.json --journal j.jsonl --resume";
    QString advice = QString::fromStdString(afbs::cli::tune_memory_advice(settings));
    for (const char* words : {"--fidelities (now 4096)", "--tune-windows 2",
                              "--validation-windows 3", "--guard-windows 0", "--dtype bf16"}) {
      QVERIFY2(advice.contains(words), qPrintable(advice + "\nlacks: " + words));
    }
    QVERIFY(!advice.contains("--resume"));  // no journal: nothing to resume
    QVERIFY(!advice.contains("--capture stream"));
    settings.journal = "j.jsonl";
    settings.dtype = "bf16";
    settings.stream_layers = false;
    advice = QString::fromStdString(afbs::cli::tune_memory_advice(settings));
    QVERIFY2(advice.contains("The journal j.jsonl is whole") &&
                 advice.contains(QString::fromStdString("  " + settings.resume_command)) &&
                 advice.contains("--capture stream") && !advice.contains("--dtype"),
             qPrintable(advice));

    const QString perplexity =
        QString::fromStdString(afbs::cli::perplexity_memory_advice(2048, 32768, ""));
    QVERIFY2(perplexity.contains("--batch-tokens (now 32768: 16 windows per forward)") &&
                 perplexity.contains("--length (now 2048") &&
                 perplexity.contains("--dtype bf16 if it runs in f32"),
             qPrintable(perplexity));
    QCOMPARE(afbs::cli::dtype_in_use("", "cpu"), std::string("f32"));
    QCOMPARE(afbs::cli::dtype_in_use("", "cuda"), std::string(""));
    QCOMPARE(afbs::cli::dtype_in_use("bf16", "cuda"), std::string("bf16"));
  }
};

QTEST_APPLESS_MAIN(TestCliArgs)
#include "tst_cli_args.moc"

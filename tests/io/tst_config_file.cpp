// The native config file: round trip, refusals with clear messages, atomic writes, and a
// config for another model refused.
#include <QtTest>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/attention/sparse_preset.h"
#include "core/io/config_file.h"

using afbs::ModelIdentity;
using afbs::SparseConfig;

namespace {

ModelIdentity demo_model() {
  return {.name = "demo",
          .fingerprint = "abc123",
          .layers = 2,
          .heads = 3,
          .kv_heads = 1,
          .head_dim = 64};
}

SparseConfig tuned_config() {
  SparseConfig config = SparseConfig::uniform(demo_model(), {});
  config.blocks = {128, 64};
  config.layers[0][1] = {.theta = -0.25,
                         .tau = 0.8125,
                         .lambda = 12.5,
                         .sparse = true,
                         .pinned = true,
                         .sparsity = 0.71,
                         .error = 0.043,
                         .rule_parameter = std::nullopt};
  config.layers[1][2].sparse = false;
  afbs::TuningSummary summary;
  summary.method = "afbs-bo";
  summary.l1_target = 0.05;
  summary.pv_l1_target = 0.06;
  summary.fidelities = {256, 512, 1024};
  summary.evaluations = 1234;
  summary.weighted_evaluations = 321.5;
  summary.seconds = 12.25;
  config.tuning = summary;
  return config;
}

QString message(const afbs::Result<SparseConfig>& result) {
  return result ? QString() : QString::fromStdString(result.error().message);
}

}  // namespace

class TestConfigFile : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void round_trip() {
    const SparseConfig config = tuned_config();
    const std::string text = afbs::config_to_json(config);
    auto back = afbs::parse_config(text, "memory");
    QVERIFY2(back.ok(), qPrintable(message(back)));
    QCOMPARE(afbs::config_to_json(*back), text);
    QCOMPARE(back->blocks, (afbs::BlockShape{128, 64}));
    QCOMPARE(back->layers[0][1].theta, -0.25);
    QVERIFY(back->layers[0][1].pinned);
    QCOMPARE(*back->layers[0][1].error, 0.043);
    QVERIFY(!back->layers[0][0].sparsity.has_value());
    QCOMPARE(back->setting(1, 2).rule, afbs::SelectionRule::dense);
    QCOMPARE(back->tuning->fidelities, (std::vector<int64_t>{256, 512, 1024}));
    QVERIFY(text.find("\"format\": \"afbs-config\"") != std::string::npos);
  }

  void presets_round_trip_data() {
    QTest::addColumn<QString>("preset");
    QTest::newRow("dense") << "dense";
    QTest::newRow("sparge-default") << "sparge-default";
    QTest::newRow("topk") << "topk:0.3";
    QTest::newRow("window") << "window:256";
  }
  void presets_round_trip() {
    QFETCH(QString, preset);
    auto config = afbs::preset_config(preset.toStdString(), demo_model());
    QVERIFY(config.ok());
    auto back = afbs::parse_config(afbs::config_to_json(*config), "memory");
    QVERIFY2(back.ok(), qPrintable(message(back)));
    QCOMPARE(back->rule, config->rule);
    QCOMPARE(back->rule_parameter, config->rule_parameter);
    QCOMPARE(back->setting(1, 1).theta, config->setting(1, 1).theta);
    QCOMPARE(back->setting(1, 1).rule, config->setting(1, 1).rule);
  }

  // A window config whose layers take their own widths (a perplexity budget's allocation):
  // the config keeps the first width, a head that differs carries its own, and the file reads
  // back to the same settings.
  void per_head_widths_round_trip() {
    SparseConfig config = SparseConfig::uniform(demo_model(), {});
    afbs::HeadSetting wide, narrow;
    wide.rule = narrow.rule = afbs::SelectionRule::sliding_window;
    wide.rule_parameter = 832;
    narrow.rule_parameter = 576;
    for (afbs::HeadConfig& head : config.layers[0])
      config.record_static_setting(head, wide);
    for (afbs::HeadConfig& head : config.layers[1])
      config.record_static_setting(head, narrow);
    QCOMPARE(config.rule, afbs::SelectionRule::sliding_window);
    QCOMPARE(config.rule_parameter, 832.0);
    QVERIFY(!config.layers[0][0].rule_parameter.has_value());
    QCOMPARE(config.layers[1][2].rule_parameter.value(), 576.0);
    const std::string text = afbs::config_to_json(config);
    auto back = afbs::parse_config(text, "memory");
    QVERIFY2(back.ok(), qPrintable(message(back)));
    QCOMPARE(back->setting(0, 1).rule_parameter, 832.0);
    QCOMPARE(back->setting(1, 1).rule_parameter, 576.0);
    QCOMPARE(back->setting(1, 1).rule, afbs::SelectionRule::sliding_window);
    QCOMPARE(afbs::config_to_json(*back), text);
  }

  // A head's own width must fit the selection rule, and be in range.
  void per_head_widths_refused_data() {
    QTest::addColumn<QString>("selection");
    QTest::addColumn<QString>("head_key");
    QTest::addColumn<QString>("expected");
    QTest::newRow("cumulative") << "{\"rule\": \"cumulative\"}"
                                << "\"tokens\": 256"
                                << "\"tokens\" does not fit the selection rule cumulative";
    QTest::newRow("wrong key") << "{\"rule\": \"sliding_window\", \"tokens\": 256}"
                               << "\"fraction\": 0.5"
                               << "\"fraction\" does not fit";
    QTest::newRow("out of range") << "{\"rule\": \"top_fraction\", \"fraction\": 0.5}"
                                  << "\"fraction\": 1.5"
                                  << "layer 0 head 1";
  }
  void per_head_widths_refused() {
    QFETCH(QString, selection);
    QFETCH(QString, head_key);
    QFETCH(QString, expected);
    nlohmann::json document = nlohmann::json::parse(afbs::config_to_json(tuned_config()));
    document["selection"] = nlohmann::json::parse(selection.toStdString());
    document["layers"][0]["heads"][1].update(
        nlohmann::json::parse("{" + head_key.toStdString() + "}"));
    auto parsed = afbs::parse_config(document.dump(), "cfg.json");
    QVERIFY(!parsed.ok());
    QVERIFY2(message(parsed).contains(expected), qPrintable(message(parsed)));
    QVERIFY(message(parsed).contains("cfg.json"));
  }

  void file_write_is_atomic_and_readable() {
    QTemporaryDir dir;
    const std::filesystem::path path = dir.filePath("tuned.json").toStdString();
    QVERIFY(afbs::write_config(tuned_config(), path).ok());
    auto back = afbs::read_config(path);
    QVERIFY2(back.ok(), qPrintable(message(back)));
    QCOMPARE(back->layers[0][1].tau, 0.8125);
    // A config that fails validation is not written: the old file stays.
    SparseConfig broken = tuned_config();
    broken.layers.pop_back();
    QVERIFY(!afbs::write_config(broken, path).ok());
    QVERIFY(afbs::read_config(path).ok());
    QCOMPARE(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()),
                           std::filesystem::directory_iterator{}),
             1);  // no temporary left behind
  }

  void refusals_name_the_problem_data() {
    QTest::addColumn<QString>("edit_from");
    QTest::addColumn<QString>("edit_to");
    QTest::addColumn<QString>("expected");
    QTest::newRow("format") << "\"afbs-config\""
                            << "\"other\""
                            << "format";
    QTest::newRow("version") << "\"version\": 1"
                             << "\"version\": 7"
                             << "version 7";
    QTest::newRow("missing tau") << "\"tau\": 0.8125,"
                                 << ""
                                 << "missing \"tau\"";
    QTest::newRow("type") << "\"theta\": -0.25"
                          << "\"theta\": \"x\""
                          << "\"theta\"";
    QTest::newRow("heads") << "\"heads\": 3"
                           << "\"heads\": 4"
                           << "layer 0 holds 3 heads";
    QTest::newRow("rule") << "\"rule\": \"cumulative\""
                          << "\"rule\": \"magic\""
                          << "magic";
    // Issue 15: a deep tau once overflowed the stack (SIGSEGV).
    QTest::newRow("deep tau") << "\"tau\": 0.8125"
                              << "\"tau\": " + QString(100000, '[') + QString(100000, ']')
                              << "deeper than 64 levels";
    QTest::newRow("json") << "{"
                          << "["
                          << "not valid JSON";
  }
  void refusals_name_the_problem() {
    QFETCH(QString, edit_from);
    QFETCH(QString, edit_to);
    QFETCH(QString, expected);
    QString text = QString::fromStdString(afbs::config_to_json(tuned_config()));
    QVERIFY(text.contains(edit_from));
    text.replace(text.indexOf(edit_from), edit_from.size(), edit_to);
    auto parsed = afbs::parse_config(text.toStdString(), "cfg.json");
    QVERIFY(!parsed.ok());
    QVERIFY2(message(parsed).contains(expected), qPrintable(message(parsed)));
    QVERIFY(message(parsed).contains("cfg.json"));
  }

  // Issue 15: fuzz_native_config found 8.9e48 cast to int64 (undefined behaviour). Every
  // integer field, given a number outside int64's range, is an error naming that field.
  void huge_integers_are_refused_naming_the_field_data() {
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("number");
    QTest::addColumn<QString>("expected");
    const std::pair<const char*, const char*> fields[] = {
        {"/version", "\"version\""},
        {"/model/layers", "model: \"layers\""},
        {"/model/heads", "model: \"heads\""},
        {"/model/kv_heads", "model: \"kv_heads\""},
        {"/model/head_dim", "model: \"head_dim\""},
        {"/blocks/query", "blocks: \"query\""},
        {"/blocks/key", "blocks: \"key\""},
        {"/tuning/evaluations", "tuning: \"evaluations\""},
        {"/tuning/fidelities/1", "tuning: \"fidelities\""},
        {"/layers/1/layer", "layers[1]: \"layer\""},
        {"/layers/0/heads/2/head", "layers[0].heads[2]: \"head\""}};
    // Above int64 as a float, as an unsigned literal, and far beyond; then below int64.
    for (const char* number : {"8.9e48", "9.3e18", "9300000000000000000", "18446744073709551615",
                               "-9.3e18", "-9300000000000000000", "-8.9e48"}) {
      for (const auto& [pointer, expected] : fields) {
        QTest::addRow("%s %s", pointer, number) << pointer << number << expected;
      }
    }
  }
  void huge_integers_are_refused_naming_the_field() {
    QFETCH(QString, pointer);
    QFETCH(QString, number);
    QFETCH(QString, expected);
    auto document = nlohmann::ordered_json::parse(afbs::config_to_json(tuned_config()));
    document[nlohmann::ordered_json::json_pointer(pointer.toStdString())] = "HUGE";
    std::string text = document.dump(1);
    text.replace(text.find("\"HUGE\""), 6, number.toStdString());
    auto parsed = afbs::parse_config(text, "cfg.json");
    QVERIFY2(!parsed.ok(), qPrintable(pointer + " = " + number + " was accepted"));
    QVERIFY2(message(parsed).startsWith("cfg.json: " + expected), qPrintable(message(parsed)));
  }
  // A number too large for a double is refused by the JSON parser itself, naming the file and
  // the number.
  void a_number_beyond_double_is_refused() {
    QString text = QString::fromStdString(afbs::config_to_json(tuned_config()));
    text.replace("\"layers\": 2", "\"layers\": 1e309");
    QVERIFY(text.contains("1e309"));
    auto parsed = afbs::parse_config(text.toStdString(), "cfg.json");
    QVERIFY(!parsed.ok());
    QVERIFY2(
        message(parsed).startsWith("cfg.json: not valid JSON") && message(parsed).contains("1e309"),
        qPrintable(message(parsed)));
  }

  // Issue 15: a FIFO as a config (or pins) file once hung the reader.
  void a_fifo_is_refused_not_waited_on() {
    QTemporaryDir dir;
    const std::string fifo = dir.filePath("pins.json").toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    auto read = afbs::read_config(fifo);
    QVERIFY(!read.ok());
    QVERIFY2(message(read).contains("pins.json: is a FIFO"), qPrintable(message(read)));
  }

  void config_for_another_model_is_refused() {
    const SparseConfig config = tuned_config();
    QVERIFY(afbs::check_config_matches(config, demo_model(), "cfg.json").ok());
    ModelIdentity other = demo_model();
    other.name = "llama";
    other.layers = 32;
    const afbs::Status refused = afbs::check_config_matches(config, other, "cfg.json");
    QVERIFY(!refused.ok());
    const QString text = QString::fromStdString(refused.error().message);
    QVERIFY2(text.contains("'demo' (2 layers") && text.contains("'llama' (32 layers"),
             qPrintable(text));
    other = demo_model();
    other.fingerprint = "different";  // same shape, other weights
    const afbs::Status other_weights = afbs::check_config_matches(config, other, "cfg.json");
    QVERIFY(!other_weights.ok());
    QVERIFY2(QString::fromStdString(other_weights.error().message).contains("fingerprints differ"),
             other_weights.error().message.c_str());
  }

  void bad_presets_are_refused() {
    for (const char* preset : {"topk:0", "topk:1.5", "window:0", "window:2.5", "topk:x", "fast"}) {
      QVERIFY2(!afbs::preset_config(preset, demo_model()).ok(), preset);
    }
  }
};

QTEST_APPLESS_MAIN(TestConfigFile)
#include "tst_config_file.moc"

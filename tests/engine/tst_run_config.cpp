// A run's result written into a config (core/engine/run_config.h): per-layer window widths, as
// a perplexity budget's sensitivity allocation picks them, are kept per head; mixed rules are
// refused naming both heads.
#include <QtTest>

#include "core/engine/run_config.h"

using afbs::SelectionRule;
using afbs::engine::HeadResult;
using afbs::engine::LayerResult;
using afbs::engine::RunResult;

namespace {

afbs::SparseConfig empty_config() {
  return afbs::SparseConfig::uniform(afbs::ModelIdentity{"m", "", 2, 2, 1, 64}, afbs::HeadConfig{});
}

LayerResult layer_of(int index, SelectionRule rule, double parameter) {
  LayerResult layer;
  layer.layer = index;
  for (int h = 0; h < 2; ++h) {
    HeadResult head;
    head.head = h;
    head.sparse = true;
    head.setting.rule = rule;
    head.setting.rule_parameter = parameter;
    layer.heads.push_back(head);
  }
  return layer;
}

}  // namespace

class TestRunConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void windows_of_different_widths_are_kept_per_head() {
    RunResult run;
    run.layers = {layer_of(0, SelectionRule::sliding_window, 832),
                  layer_of(1, SelectionRule::sliding_window, 576)};
    afbs::SparseConfig config = empty_config();
    QVERIFY(afbs::engine::apply_run_to_config(run, {1024}, config).ok());
    QVERIFY(config.validate("run").ok());
    QCOMPARE(config.rule, SelectionRule::sliding_window);
    QCOMPARE(config.setting(0, 1).rule_parameter, 832.0);
    QCOMPARE(config.setting(1, 0).rule_parameter, 576.0);
    QVERIFY(!config.layers[0][0].rule_parameter.has_value());

    // Written again from a run with one width: no head keeps a stale width of its own.
    run.layers[1] = layer_of(1, SelectionRule::sliding_window, 832);
    QVERIFY(afbs::engine::apply_run_to_config(run, {1024}, config).ok());
    QVERIFY(!config.layers[1][0].rule_parameter.has_value());
    QCOMPARE(config.setting(1, 0).rule_parameter, 832.0);
  }

  void mixed_rules_are_refused_naming_both_heads() {
    RunResult run;
    run.layers = {layer_of(0, SelectionRule::sliding_window, 832),
                  layer_of(1, SelectionRule::top_fraction, 0.5)};
    afbs::SparseConfig config = empty_config();
    const afbs::Status status = afbs::engine::apply_run_to_config(run, {1024}, config);
    QVERIFY(!status.ok());
    const QString message = QString::fromStdString(status.error().message);
    QVERIFY2(message.contains("layer 0 head 0 uses sliding_window") &&
                 message.contains("layer 1 head 0 uses top_fraction"),
             qPrintable(message));
  }
};

QTEST_APPLESS_MAIN(TestRunConfig)
#include "tst_run_config.moc"

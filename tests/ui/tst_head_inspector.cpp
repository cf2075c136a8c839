// The head inspector: a head's trace with rungs, its summary by length, and pin/override from it
// through the heatmap model's undo stack.
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

#include "ui/head_inspector.h"
#include "ui/heatmap_model.h"

using afbs::engine::EvaluationRecord;
using afbs::engine::Stage;
using afbs::ui::HeadInspector;
using afbs::ui::HeatmapModel;

namespace {

EvaluationRecord record(int layer, int head, Stage stage, int length, double sparsity, double error,
                        double objective) {
  EvaluationRecord r;
  r.layer = layer;
  r.head = head;
  r.stage = stage;
  r.length_tokens = length;
  r.sparsity = sparsity;
  r.error = error;
  r.objective = objective;
  return r;
}

std::vector<EvaluationRecord> trace() {
  return {record(0, 1, Stage::Exploration, 256, 0.2, 0.01, 0.2),
          record(0, 1, Stage::Exploration, 256, 0.6, 0.09, 0.0),
          record(0, 2, Stage::Exploration, 256, 0.9, 0.01, 0.9),  // another head
          record(0, 1, Stage::TauSearch, 1024, 0.5, 0.04, 0.5),
          record(0, 1, Stage::Validation, 2048, 0.45, 0.03, 0.45)};
}

}  // namespace

class TestHeadInspector : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Session 5: the Block mask tab's legend asked for 390 px, ~100 more than the rest of the
  // inspector, and the splitter beside the heatmap gave the inspector ~57 px of the heatmap's
  // width. The tab must not set the inspector's width, preferred or minimum.
  void the_block_mask_tab_does_not_widen_the_inspector() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(6, 8);
    HeadInspector inspector(&model);
    HeadInspector without_tab(&model);  // asked for no size before its tab goes
    auto* tabs = without_tab.findChild<QTabWidget*>("inspectorTabs");
    QVERIFY(tabs != nullptr);
    QCOMPARE(tabs->tabText(1), QString("Block mask"));
    tabs->removeTab(1);
    QVERIFY2(inspector.sizeHint().width() <= without_tab.sizeHint().width(),
             qPrintable(QString("%1 with the tab, %2 without")
                            .arg(inspector.sizeHint().width())
                            .arg(without_tab.sizeHint().width())));
    QVERIFY(inspector.minimumSizeHint().width() <= without_tab.minimumSizeHint().width());
  }

  void shows_the_heads_trace_with_rungs_and_lengths() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 4);
    HeadInspector inspector(&model);
    inspector.show_head(0, 1, trace());
    QTableWidget* table = inspector.trace_table();
    QCOMPARE(table->rowCount(), 4);  // head 2's evaluation is not shown
    QCOMPARE(table->item(0, 1)->text(), QString("explore"));
    QCOMPARE(table->item(0, 2)->text(), QString("1"));  // rung 1: 256 tokens
    QCOMPARE(table->item(2, 2)->text(), QString("2"));
    QCOMPARE(table->item(3, 2)->text(), QString("3"));
    QCOMPARE(table->item(3, 3)->text(), QString("2048"));
    // By length: the best sparsity that met the target at 256 is 0.2, not the 0.6 that missed.
    QTableWidget* lengths = inspector.length_table();
    QCOMPARE(lengths->rowCount(), 3);
    QCOMPARE(lengths->item(0, 1)->text(), QString("2"));
    QCOMPARE(lengths->item(0, 2)->text(), QString("0.200"));
    QCOMPARE(lengths->item(0, 3)->text(), QString("0.0100"));
    // Sorting by error is numeric.
    table->sortItems(9, Qt::DescendingOrder);
    QCOMPARE(table->item(0, 9)->text(), QString("0.0900"));
    // New evaluations of the shown head arrive live; others are ignored.
    inspector.add_records({record(0, 1, Stage::Validation, 2048, 0.44, 0.02, 0.44),
                           record(1, 1, Stage::Validation, 2048, 0.1, 0.02, 0.1)});
    QCOMPARE(table->rowCount(), 5);
  }

  void apply_overrides_and_pins_as_one_undo_step() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 4);
    HeadInspector inspector(&model);
    inspector.show_head(1, 3, {});
    QVERIFY(!inspector.pin_box()->isChecked());
    inspector.tau_box()->setValue(0.42);
    inspector.lambda_box()->setValue(12.0);
    inspector.apply_button()->click();
    QCOMPARE(model.cell(1, 3).setting.tau, 0.42);
    QCOMPARE(model.cell(1, 3).setting.lambda, 12.0);
    QVERIFY(model.cell(1, 3).pinned);
    QVERIFY(inspector.pin_box()->isChecked());  // follows the model
    QCOMPARE(model.pin_snapshot(1).at(3).setting.tau, 0.42);
    stack.undo();
    QCOMPARE(model.cell(1, 3).setting.tau, afbs::engine::HeadSetting{}.tau);
    QCOMPARE(model.cell(1, 3).setting.lambda, afbs::engine::HeadSetting{}.lambda);
    QVERIFY(!model.cell(1, 3).pinned);
    QCOMPARE(inspector.tau_box()->value(), afbs::engine::HeadSetting{}.tau);
  }

  void the_pin_box_pins_and_unpins() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(1, 2);
    HeadInspector inspector(&model);
    inspector.show_head(0, 0, {});
    inspector.pin_box()->setChecked(true);
    QVERIFY(model.cell(0, 0).pinned);
    model.toggle_pin(0, 0);  // from the heatmap
    QVERIFY(!inspector.pin_box()->isChecked());
  }

  void nothing_is_editable_without_a_head() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(1, 2);
    HeadInspector inspector(&model);
    QVERIFY(!inspector.apply_button()->isEnabled());
    inspector.show_head(0, 1, {});
    QVERIFY(inspector.apply_button()->isEnabled());
    model.set_dimensions(0, 0);  // another model
    QVERIFY(!inspector.apply_button()->isEnabled());
  }
};

QTEST_MAIN(TestHeadInspector)
#include "tst_head_inspector.moc"

#include <QSignalSpy>
#include <QUndoStack>
#include <QtTest>

#include "ui/heatmap_model.h"

using afbs::ui::HeadChange;
using afbs::ui::HeadChangeFlag;
using afbs::ui::HeadChangeFlags;
using afbs::ui::HeatmapModel;
using afbs::ui::HeatQuantity;
using afbs::ui::SettingField;

namespace {

afbs::engine::LayerResult layer_result(int layer, int heads) {
  afbs::engine::LayerResult result;
  result.layer = layer;
  for (int head = 0; head < heads; ++head) {
    afbs::engine::HeadResult tuned;
    tuned.head = head;
    tuned.setting = {0.1 * head, 0.9, 10.0 + head};
    tuned.sparse = true;
    tuned.sparsity = 0.5 + 0.1 * head;
    tuned.error = 0.01 * head;
    tuned.meets_target = true;
    result.heads.push_back(tuned);
  }
  return result;
}

}  // namespace

class TestHeatmapModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void dimensions_follow_the_model_and_results() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(4, 8);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.columnCount(), 8);
    QCOMPARE(model.headerData(2, Qt::Vertical).toString(), QString("L2"));
    QCOMPARE(model.headerData(5, Qt::Horizontal).toString(), QString("H5"));
    model.apply_layer_result(layer_result(6, 3));  // beyond the table: it grows
    QCOMPARE(model.rowCount(), 7);
    QCOMPARE(model.columnCount(), 8);
    QCOMPARE(model.cell(6, 2).sparsity, 0.7);
    QVERIFY(model.cell(6, 2).tuned);
    QVERIFY(!model.cell(5, 2).tuned);
  }

  void colours_for_known_values_data() {
    QTest::addColumn<int>("quantity");
    QTest::addColumn<double>("value");
    QTest::addColumn<QColor>("expected");
    QTest::newRow("sparsity 0") << int(HeatQuantity::Sparsity) << 0.0 << QColor(0x44, 0x01, 0x54);
    QTest::newRow("sparsity 1") << int(HeatQuantity::Sparsity) << 1.0 << QColor(0xfd, 0xe7, 0x25);
    QTest::newRow("sparsity 0.5") << int(HeatQuantity::Sparsity) << 0.5 << QColor(0x21, 0x91, 0x8c);
    QTest::newRow("error at scale") << int(HeatQuantity::Error) << 0.1 << QColor(0xfd, 0xe7, 0x25);
    QTest::newRow("error above scale clamps")
        << int(HeatQuantity::Error) << 0.5 << QColor(0xfd, 0xe7, 0x25);
    QTest::newRow("theta -1") << int(HeatQuantity::Theta) << -1.0 << QColor(0x44, 0x01, 0x54);
    QTest::newRow("theta 0") << int(HeatQuantity::Theta) << 0.0 << QColor(0x21, 0x91, 0x8c);
    QTest::newRow("lambda 12.5") << int(HeatQuantity::Lambda) << 12.5 << QColor(0x3b, 0x52, 0x8b);
    QTest::newRow("tau 0.75") << int(HeatQuantity::Tau) << 0.75 << QColor(0x5e, 0xc9, 0x62);
  }
  void colours_for_known_values() {
    QFETCH(int, quantity);
    QFETCH(double, value);
    QFETCH(QColor, expected);
    QCOMPARE(HeatmapModel::color_for(HeatQuantity(quantity), value, 0.1).rgb(), expected.rgb());
  }

  void cells_show_the_selected_quantity() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 3);
    QVERIFY(!model.data(model.index(0, 1), HeatmapModel::ValueRole).isValid());  // not tuned
    QCOMPARE(model.data(model.index(0, 1), Qt::BackgroundRole).value<QColor>(),
             QColor(Qt::lightGray));
    model.apply_layer_result(layer_result(0, 3));
    QCOMPARE(model.data(model.index(0, 1), HeatmapModel::ValueRole).toDouble(), 0.6);
    QCOMPARE(model.data(model.index(0, 1), Qt::DisplayRole).toString(), QString("0.60"));
    QCOMPARE(model.data(model.index(0, 1), Qt::BackgroundRole).value<QColor>(),
             HeatmapModel::color_for(HeatQuantity::Sparsity, 0.6, 0.1));
    model.set_quantity(HeatQuantity::Lambda);
    QCOMPARE(model.data(model.index(0, 1), HeatmapModel::ValueRole).toDouble(), 11.0);
    QVERIFY(model.flags(model.index(0, 1)) & Qt::ItemIsEditable);
    model.set_quantity(HeatQuantity::Error);
    QVERIFY(!(model.flags(model.index(0, 1)) & Qt::ItemIsEditable));
  }

  void override_undo_redo_restores_exact_values() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 3);
    model.apply_layer_result(layer_result(1, 3));
    const afbs::ui::HeadCell original = model.cell(1, 2);
    QSignalSpy changed(&model, &HeatmapModel::changed);
    QSignalSpy data_changed(&model, &HeatmapModel::dataChanged);

    model.set_quantity(HeatQuantity::Tau);
    data_changed.clear();
    QVERIFY(model.setData(model.index(1, 2), 0.731));
    QCOMPARE(stack.count(), 1);
    QCOMPARE(model.cell(1, 2).setting.tau, 0.731);
    QVERIFY(model.cell(1, 2).pinned);  // an override pins the head
    QCOMPARE(changed.count(), 1);
    const auto change = changed.takeFirst().first().value<HeadChange>();
    QCOMPARE(change.layer, 1);
    QCOMPARE(change.head, 2);
    // The measurement was made at the old τ: it no longer applies (Measured).
    QCOMPARE(change.what, HeadChangeFlags(HeadChangeFlag::Tau) | HeadChangeFlag::Pinned |
                              HeadChangeFlag::Measured);
    QCOMPARE(data_changed.count(), 1);  // exactly the edited cell
    QCOMPARE(data_changed.first().at(0).toModelIndex(), model.index(1, 2));
    QCOMPARE(data_changed.first().at(1).toModelIndex(), model.index(1, 2));

    stack.undo();
    QVERIFY(model.cell(1, 2) == original);
    QCOMPARE(model.cell(1, 2).setting.tau, original.setting.tau);
    QVERIFY(!model.cell(1, 2).pinned);
    stack.redo();
    QCOMPARE(model.cell(1, 2).setting.tau, 0.731);
    QVERIFY(model.cell(1, 2).pinned);
    QVERIFY(!model.setData(model.index(1, 2), 1.5));  // τ beyond [0, 1] is refused
    QCOMPARE(stack.count(), 1);
  }

  void repeated_edits_of_one_cell_merge() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 2);
    const double theta_before = model.cell(0, 1).setting.theta;
    model.override_setting(0, 1, SettingField::Theta, 0.2);
    model.override_setting(0, 1, SettingField::Theta, 0.3);
    model.override_setting(0, 1, SettingField::Theta, 0.4);
    QCOMPARE(stack.count(), 1);
    QCOMPARE(model.cell(0, 1).setting.theta, 0.4);
    model.override_setting(0, 1, SettingField::Lambda, 20.0);  // another field: its own step
    model.override_setting(1, 1, SettingField::Lambda, 20.0);  // another cell: its own step
    QCOMPARE(stack.count(), 3);
    stack.undo();
    stack.undo();
    QCOMPARE(model.cell(0, 1).setting.theta, 0.4);
    stack.undo();
    QCOMPARE(model.cell(0, 1).setting.theta, theta_before);
    QVERIFY(!model.cell(0, 1).pinned);
  }

  void pin_toggles_undo_and_cancel_when_repeated() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(3, 4);
    QSignalSpy changed(&model, &HeatmapModel::changed);
    model.toggle_pin(2, 3);
    QVERIFY(model.cell(2, 3).pinned);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().value<HeadChange>().what,
             HeadChangeFlags(HeadChangeFlag::Pinned));
    QVERIFY(model.data(model.index(2, 3), HeatmapModel::PinnedRole).toBool());
    stack.undo();
    QVERIFY(!model.cell(2, 3).pinned);
    stack.redo();
    QVERIFY(model.cell(2, 3).pinned);
    model.toggle_pin(2, 3);  // toggling straight back cancels the pair
    QVERIFY(!model.cell(2, 3).pinned);
    QCOMPARE(stack.count(), 0);
    QVERIFY(model.setData(model.index(1, 0), true, HeatmapModel::PinnedRole));
    QVERIFY(model.cell(1, 0).pinned);
    QCOMPARE(stack.count(), 1);
  }

  void pin_snapshot_reflects_pins_and_pins_outrank_results() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 4);
    QVERIFY(model.pin_snapshot(0).empty());
    model.override_setting(0, 2, SettingField::Tau, 0.5);
    model.toggle_pin(0, 3);
    model.toggle_pin(1, 0);
    auto pins = model.pin_snapshot(0);
    QCOMPARE(int(pins.size()), 2);
    QCOMPARE(pins.at(2).setting.tau, 0.5);
    QVERIFY(pins.at(2).sparse);
    QCOMPARE(pins.at(3).setting.tau, afbs::engine::HeadSetting{}.tau);
    QCOMPARE(int(model.pin_snapshot(1).size()), 1);
    QVERIFY(model.pin_snapshot(7).empty());

    model.apply_layer_result(layer_result(0, 4));
    QCOMPARE(model.cell(0, 2).setting.tau, 0.5);  // pinned: kept
    QCOMPARE(model.cell(0, 1).setting.tau, 0.9);  // not pinned: tuned value
    stack.undo();                                 // unpin (1, 0)
    stack.undo();                                 // unpin (0, 3)
    pins = model.pin_snapshot(0);
    QCOMPARE(int(pins.size()), 1);
    QVERIFY(pins.count(2) == 1);
    QVERIFY(model.pin_snapshot(1).empty());
  }

  void new_dimensions_clear_pins_and_history() {
    QUndoStack stack;
    HeatmapModel model(&stack);
    model.set_dimensions(2, 2);
    model.toggle_pin(0, 0);
    model.set_dimensions(3, 3);
    QCOMPARE(stack.count(), 0);
    QVERIFY(model.pin_snapshot(0).empty());
    QVERIFY(!model.cell(0, 0).pinned);
  }
};

QTEST_GUILESS_MAIN(TestHeatmapModel)
#include "tst_heatmap_model.moc"

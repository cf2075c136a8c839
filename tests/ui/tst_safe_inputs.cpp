#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QUndoStack>
#include <QWheelEvent>
#include <QtTest>

#include "tests/ui/workbench_test_helpers.h"
#include "ui/heatmap_delegate.h"
#include "ui/heatmap_model.h"
#include "ui/length_spin_box.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/run_panel.h"
#include "ui/sparsity_heatmap.h"

using afbs::ui::MainWindow;
using namespace afbs::ui::testing;

namespace {

void turn_wheel(QWidget* widget, int notches) {
  const QPointF at = widget->rect().center();
  QWheelEvent wheel(at, widget->mapToGlobal(at), QPoint(), QPoint(0, 120 * notches), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(widget, &wheel);
}

// Types `text` into the top length box as a person would and ends the edit with Enter.
int typed_top_length(QSpinBox* box, const QString& text) {
  box->setFocus();
  box->selectAll();
  QTest::keyClick(box, Qt::Key_Delete);
  QTest::keyClicks(box, text);
  QTest::keyClick(box, Qt::Key_Return);
  return box->value();
}

}  // namespace

class TestSafeInputs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void focus_starts_on_start() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QApplication::setActiveWindow(&window);
    QTRY_COMPARE(QApplication::focusWidget(),
                 static_cast<QWidget*>(window.run_panel()->findChild<QPushButton*>("start")));
  }

  void the_wheel_changes_only_focused_fields() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QApplication::setActiveWindow(&window);
    auto* l1 = window.run_panel()->findChild<QDoubleSpinBox*>("l1Target");
    QCOMPARE(l1->focusPolicy(), Qt::StrongFocus);
    turn_wheel(l1, -3);
    QCOMPARE(l1->value(), 0.05);  // unfocused: untouched
    l1->setFocus();
    QTRY_VERIFY(l1->hasFocus());
    turn_wheel(l1, -1);
    QCOMPARE(l1->value(), 0.045);  // focused: the wheel is a way to edit
  }

  void lengths_snap_to_whole_blocks_within_the_context() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QApplication::setActiveWindow(&window);
    window.run_panel()->set_model_limits(6, 3000);  // context not a multiple of 64
    auto* box = window.run_panel()->findChild<QSpinBox*>("topLength");
    QCOMPARE(box->maximum(), 2944);
    QCOMPARE(typed_top_length(box, "99999"), 2944);  // not 999
    QCOMPARE(typed_top_length(box, "1000"), 1024);
    QCOMPARE(typed_top_length(box, "700"), 704);
    QCOMPARE(typed_top_length(box, "12"), 256);  // the minimum
    QCOMPARE(box->singleStep(), 64);
    window.run_panel()->set_top_length(1100);
    QCOMPARE(window.run_panel()->top_length(), 1088);
  }

  void an_override_that_is_not_a_number_is_refused_visibly() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    window.show_model(toy_model(3, 4));
    auto* model = window.heatmap_model();
    afbs::engine::LayerResult tuned;
    tuned.layer = 1;
    afbs::engine::HeadResult head;
    head.head = 2;
    head.sparse = true;
    head.sparsity = 0.6;
    head.error = 0.04;
    head.meets_target = true;
    tuned.heads.push_back(head);
    model->apply_layer_result(tuned);
    auto* quantity = window.heatmap()->findChild<QComboBox*>("heatmapQuantity");
    quantity->setCurrentIndex(quantity->findData(int(afbs::ui::HeatQuantity::Tau)));

    QTableView* table = window.heatmap()->table();
    const QModelIndex cell = model->index(1, 2);
    for (const QString& typed : {QString("abc"), QString("1.5"), QString("nan")}) {
      table->setCurrentIndex(cell);
      table->edit(cell);
      auto* editor = table->viewport()->findChild<QLineEdit*>("overrideEditor");
      QVERIFY(editor != nullptr);
      editor->selectAll();
      QTest::keyClicks(editor, typed);
      QTest::keyClick(editor, Qt::Key_Return);
      QTRY_VERIFY(window.message_bar()->isVisible());
      QVERIFY2(window.message_bar()->text().contains("'" + typed + "' is not a number from 0 to 1"),
               qPrintable(window.message_bar()->text()));
      QVERIFY(!model->cell(1, 2).pinned);  // nothing applied, nothing pinned
      QCOMPARE(window.undo_stack()->count(), 0);
      window.message_bar()->dismiss();
      QTRY_VERIFY(table->viewport()->findChild<QLineEdit*>("overrideEditor") == nullptr);
    }

    table->setCurrentIndex(cell);
    table->edit(cell);
    auto* editor = table->viewport()->findChild<QLineEdit*>("overrideEditor");
    editor->selectAll();
    QTest::keyClicks(editor, "0.42");
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(model->cell(1, 2).setting.tau, 0.42);
    QVERIFY(model->cell(1, 2).pinned);
    // The old measurement does not describe the new setting, and the tooltip says so.
    QVERIFY(!model->cell(1, 2).tuned);
    QVERIFY(model->data(cell, Qt::ToolTipRole).toString().contains("not measured at this setting"));
    QVERIFY(!model->data(cell, Qt::ToolTipRole).toString().contains("sparsity 0.600"));
    window.undo_stack()->undo();
    QVERIFY(model->cell(1, 2).tuned);  // undo brings the measurement back with the setting
    QCOMPARE(model->cell(1, 2).sparsity, 0.6);
  }

  void errors_show_three_decimals_and_misses_are_marked() {
    QUndoStack stack;
    afbs::ui::HeatmapModel model(&stack);
    model.set_dimensions(1, 2);
    afbs::engine::LayerResult tuned;
    for (int h = 0; h < 2; ++h) {
      afbs::engine::HeadResult head;
      head.head = h;
      head.sparse = true;
      head.error = h == 0 ? 0.049 : 0.051;
      head.meets_target = h == 0;
      tuned.heads.push_back(head);
    }
    model.apply_layer_result(tuned);
    model.set_quantity(afbs::ui::HeatQuantity::Error);
    QCOMPARE(model.data(model.index(0, 0)).toString(), QString("0.049"));
    QCOMPARE(model.data(model.index(0, 1)).toString(), QString("0.051"));
    QVERIFY(!model.data(model.index(0, 0), afbs::ui::HeatmapModel::MissesTargetRole).toBool());
    QVERIFY(model.data(model.index(0, 1), afbs::ui::HeatmapModel::MissesTargetRole).toBool());
    QVERIFY(model.data(model.index(0, 1), Qt::ToolTipRole).toString().contains("misses"));
  }

  void several_heads_pin_and_unpin_in_one_step() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    window.show_model(toy_model(3, 4));
    auto* model = window.heatmap_model();
    model->toggle_pin(0, 1);  // already pinned: stays, and is not a step of its own
    QTableView* table = window.heatmap()->table();
    table->setFocus();
    table->setCurrentIndex(model->index(0, 0));
    table->selectionModel()->select(QItemSelection(model->index(0, 0), model->index(1, 1)),
                                    QItemSelectionModel::ClearAndSelect);
    QCOMPARE(int(window.heatmap()->selected_heads().size()), 4);
    const int steps = window.undo_stack()->count();
    QTest::keyClick(table, Qt::Key_Space);  // some unpinned: pin them all
    for (auto [layer, head] : {std::pair{0, 0}, {0, 1}, {1, 0}, {1, 1}})
      QVERIFY(model->cell(layer, head).pinned);
    QVERIFY(!model->cell(2, 0).pinned);
    QCOMPARE(window.undo_stack()->count(), steps + 1);  // one step for three heads
    QCOMPARE(model->pin_snapshot(1).size(), std::size_t{2});
    QTest::keyClick(table, Qt::Key_Space);  // all pinned: unpin them all
    QVERIFY(!model->cell(0, 1).pinned);
    QVERIFY(!model->cell(1, 1).pinned);
    window.undo_stack()->undo();
    QVERIFY(model->cell(1, 1).pinned);
    window.undo_stack()->undo();
    QVERIFY(!model->cell(1, 1).pinned);
    QVERIFY(model->cell(0, 1).pinned);  // pinned before the first step
  }

  void parse_override_reads_numbers_only() {
    using afbs::ui::HeatmapDelegate;
    QCOMPARE(HeatmapDelegate::parse_override(" 0.25 ").value_or(-1), 0.25);
    QVERIFY(!HeatmapDelegate::parse_override("abc").has_value());
    QVERIFY(!HeatmapDelegate::parse_override("").has_value());
    QVERIFY(!HeatmapDelegate::parse_override("inf").has_value());
  }
};

QTEST_MAIN(TestSafeInputs)
#include "tst_safe_inputs.moc"

#include <QDoubleSpinBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QtTest>

#include "ui/main_window.h"
#include "ui/run_panel.h"

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void starts_shows_tabs_and_closes() {
    afbs::ui::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QStringList titles;
    for (int i = 0; i < window.tabs()->count(); ++i)
      titles << window.tabs()->tabText(i);
    QCOMPARE(titles, QStringList({"Convergence", "Heatmap", "Quality", "Log"}));
    QVERIFY(window.close());
    QVERIFY(!window.isVisible());
  }
  void run_panel_reports_targets_and_start() {
    afbs::ui::MainWindow window;
    auto* panel = window.run_panel();
    QCOMPARE(panel->l1_target(), 0.05);
    QCOMPARE(panel->pv_l1_target(), 0.06);
    panel->findChild<QDoubleSpinBox*>("l1Target")->setValue(0.03);
    QCOMPARE(panel->l1_target(), 0.03);
    QSignalSpy started(panel, &afbs::ui::RunPanel::start_requested);
    panel->findChild<QPushButton*>("start")->click();
    QCOMPARE(started.count(), 1);
  }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"

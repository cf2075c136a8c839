#include <QApplication>
#include <QChart>
#include <QLineSeries>
#include <QtTest>

#include "ui/convergence_chart.h"
#include "ui/quality_chart.h"

class TestQualityChart : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void curves_hold_the_given_points() {
    afbs::ui::QualityChart chart;
    QVERIFY(chart.chart()->title().contains("no measurements"));
    chart.set_curve("dense", {1024, 2048, 4096}, {8.5, 7.9, 7.6});
    chart.set_curve("tuned", {1024, 2048, 4096}, {8.6, 8.0, 7.7});
    QCOMPARE(chart.chart()->series().size(), 2);
    const QLineSeries* tuned = chart.curve("tuned");
    QVERIFY(tuned != nullptr);
    QCOMPARE(tuned->count(), 3);
    QCOMPARE(tuned->at(1), QPointF(2048, 8.0));
    // Replacing a curve keeps one series; a zero length (not drawable on a log axis) is dropped.
    chart.set_curve("tuned", {0, 8192}, {9.0, 7.5});
    QCOMPARE(chart.chart()->series().size(), 2);
    QCOMPARE(chart.curve("tuned")->count(), 1);
    QCOMPARE(chart.curve("tuned")->at(0), QPointF(8192, 7.5));
    QVERIFY(!chart.chart()->title().contains("no measurements"));
    chart.clear_curves();
    QVERIFY(chart.curve("dense") == nullptr);
  }

  void charts_follow_a_dark_palette() {
    const QPalette light = QApplication::palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(40, 40, 44));
    dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
    QApplication::setPalette(dark);
    {
      afbs::ui::QualityChart chart;
      chart.set_curve("dense", {1024, 2048}, {8.5, 7.9});
      QCOMPARE(chart.chart()->theme(), QChart::ChartThemeDark);
      QVERIFY(chart.curve("dense")->pen().color().lightness() > 180);  // readable on dark
      afbs::ui::ConvergenceChart convergence;
      QCOMPARE(convergence.charts().front()->theme(), QChart::ChartThemeDark);
      QVERIFY(static_cast<QLineSeries*>(convergence.best_series())->pen().color().lightness() >
              180);
    }
    QApplication::setPalette(light);
    afbs::ui::QualityChart chart;
    chart.set_curve("dense", {1024, 2048}, {8.5, 7.9});
    QCOMPARE(chart.chart()->theme(), QChart::ChartThemeLight);
    QVERIFY(chart.curve("dense")->pen().color().lightness() < 80);
  }
};

QTEST_MAIN(TestQualityChart)
#include "tst_quality_chart.moc"

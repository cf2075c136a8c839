#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QValueAxis>
#include <QXYSeries>
#include <QXmlStreamReader>
#include <QtTest>
#include <cerrno>
#include <cstring>
#include <functional>

#include "tests/common/injected_write_fault.h"
#include "tests/ui/fake_tuning_job.h"
#include "tests/ui/workbench_test_helpers.h"
#include "ui/convergence_chart.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/quality_chart.h"
#include "ui/run_panel.h"
#include "ui/session_document.h"
#include "ui/sparsity_heatmap.h"

Q_DECLARE_METATYPE(afbs::WriteStep)

using afbs::ui::MainWindow;
using namespace afbs::ui::testing;

namespace {

constexpr double kMiB = 1048576.0;

// 30 evaluations and quality at three lengths; with `peak_mib`, the peak device memory a GPU
// would have measured at each (what report_quality reads from the CUDA allocator there).
afbs::ui::TuningJob small_job(std::function<double(int length)> peak_mib = {}) {
  return [peak_mib](afbs::engine::TuningObserver& observer, afbs::engine::RunControl control) {
    auto result = run_numbered_job(observer, control, 30);
    for (int length : {256, 512, 1024}) {
      afbs::engine::QualityPoint point;
      point.length_tokens = length;
      point.perplexity_dense = 30.0 + length / 512.0;
      point.perplexity_tuned = point.perplexity_dense + 0.125;
      point.kv_bytes_dense = length * kMiB;
      point.kv_bytes_tuned = 0.5 * point.kv_bytes_dense;
      if (peak_mib) point.peak_device_bytes = peak_mib(length) * kMiB;
      observer.on_quality(point);
    }
    return result;
  };
}

QByteArray read_all(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The element names of `svg` in document order; empty unless it is well-formed XML with an
// <svg> root.
QStringList svg_elements(const QByteArray& svg) {
  QXmlStreamReader reader(svg);
  QStringList names;
  while (!reader.atEnd()) {
    if (reader.readNext() == QXmlStreamReader::StartElement) names << reader.name().toString();
  }
  return reader.hasError() || names.isEmpty() || names.front() != "svg" ? QStringList() : names;
}

// True when `svg` is a well-formed SVG document holding at least one `element`.
bool svg_has(const QByteArray& svg, const QString& element) {
  const QStringList names = svg_elements(svg);
  if (!names.contains(element)) qWarning() << "SVG elements:" << names;
  return names.contains(element);
}

}  // namespace

class TestViewExport : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void every_chart_view_exports_png_svg_and_csv() {
    QTemporaryDir dir;
    MainWindow window;
    window.resize(1200, 760);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.show_model(toy_model(2, 4, jobs_running(small_job())));
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QTRY_COMPARE(window.quality_chart()->curve("tuned") != nullptr, true);
    window.convergence_chart()->select(0, 0);
    QTRY_VERIFY(window.convergence_chart()->best_series()->count() > 0);

    window.tabs()->setCurrentIndex(2);  // Quality
    QVERIFY(window.export_view(dir.filePath("quality.png")));
    const QImage image(dir.filePath("quality.png"));
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 200 && image.height() > 200);
    QVERIFY(window.export_view(dir.filePath("quality.csv")));
    const QString csv = QString::fromUtf8(read_all(dir.filePath("quality.csv")));
    QVERIFY(csv.startsWith("chart,series,x,y\n"));
    QVERIFY(csv.contains(",tuned,512,31.125\n"));  // full precision, not rounded
    QCOMPARE(csv.count(",tuned,"), 3);
    QCOMPARE(csv.count(",tuned (computed),"), 3);
    // On the CPU nothing is measured: no measured rows, and the chart's title says why.
    QVERIFY(!csv.contains("(measured)"));
    QVERIFY(csv.contains("peak device memory: measured on a GPU only"));
    QVERIFY(window.export_view(dir.filePath("quality.svg")));
    QVERIFY(svg_has(read_all(dir.filePath("quality.svg")), "polyline"));

    window.tabs()->setCurrentWidget(window.convergence_tab());
    QVERIFY(window.export_view(dir.filePath("convergence.svg")));
    QVERIFY(svg_has(read_all(dir.filePath("convergence.svg")), "circle"));
    QVERIFY(window.export_view(dir.filePath("convergence.csv")));
    QVERIFY(read_all(dir.filePath("convergence.csv")).count('\n') > 30);

    window.tabs()->setCurrentWidget(window.heatmap_tab());
    QVERIFY(window.export_view(dir.filePath("heatmap-unpinned.svg")));
    window.heatmap_model()->toggle_pin(1, 2);
    QVERIFY(window.export_view(dir.filePath("heatmap.csv")));
    const QStringList rows =
        QString::fromUtf8(read_all(dir.filePath("heatmap.csv"))).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 1 + 2 * 4);
    QVERIFY(rows[1 + 4 + 2].startsWith("1,2,"));
    QCOMPARE(rows[1 + 4 + 2].split(',')[6], QString("1"));  // pinned
    // SVG through QSvgGenerator: the view as drawn, titled, its pin mark a vector path.
    QVERIFY(window.export_view(dir.filePath("heatmap.svg")));
    const QByteArray heatmap_svg = read_all(dir.filePath("heatmap.svg"));
    QVERIFY(heatmap_svg.contains("<title>Heatmap</title>"));
    QVERIFY(svg_elements(heatmap_svg).count("rect") >= 2 * 4);  // a cell per head at least
    QVERIFY(svg_elements(heatmap_svg).count("path") >
            svg_elements(read_all(dir.filePath("heatmap-unpinned.svg"))).count("path"));
    QVERIFY(window.export_view(dir.filePath("heatmap.png")));
    QVERIFY(!QImage(dir.filePath("heatmap.png")).isNull());
  }

  // Item 7: peak device memory measured on a GPU beside the computed K/V traffic, each
  // labelled, in the chart, its exports and the session file. The measured values are
  // injected where the session reports them (the QualityPoint), as a GPU run would.
  void measured_device_memory_is_labelled_in_chart_exports_and_session() {
    QTemporaryDir dir;
    MainWindow window;
    window.resize(1366, 768);  // the screen the layout is made for: narrower elides legend labels
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.show_model(toy_model(2, 4, jobs_running(small_job([](int n) { return 900.0 + n; }))));
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QTRY_VERIFY(window.traffic_chart()->curve("peak (measured)") != nullptr);
    afbs::ui::QualityChart* traffic = window.traffic_chart();
    QLineSeries* peak = traffic->curve("peak (measured)");
    QCOMPARE(peak->points(),
             (QList<QPointF>{QPointF(256, 1156.0), QPointF(512, 1412.0), QPointF(1024, 1924.0)}));
    QVERIFY(peak->attachedAxes().contains(traffic->right_axis()));  // its own scale
    QVERIFY(traffic->right_axis()->isVisible());
    QVERIFY(traffic->right_axis()->max() >= 1924.0);
    QVERIFY(!traffic->curve("tuned (computed)")->attachedAxes().contains(traffic->right_axis()));
    QVERIFY(!traffic->chart()->title().contains("GPU only"));

    window.tabs()->setCurrentIndex(2);  // Quality
    QVERIFY(window.export_view(dir.filePath("quality.csv")));
    const QString csv = QString::fromUtf8(read_all(dir.filePath("quality.csv")));
    QVERIFY2(csv.contains(",peak (measured),512,1412\n"), qPrintable(csv));
    QVERIFY(csv.contains(",tuned (computed),512,256\n"));
    QVERIFY(window.export_view(dir.filePath("quality.png")));
    QVERIFY(!QImage(dir.filePath("quality.png")).isNull());
    QVERIFY(window.export_view(dir.filePath("quality.svg")));
    const QByteArray svg = read_all(dir.filePath("quality.svg"));
    QVERIFY(svg_has(svg, "polyline"));
    QVERIFY(svg.contains("peak (measured)") && svg.contains("tuned (computed)"));

    // Saved and opened again: the measured values come back, on the last run and in the Runs
    // tab's copy of it.
    const QString session = dir.filePath("gpu.afbs-session.json");
    QVERIFY(window.save_session(session));
    MainWindow reopened;
    reopened.show_model(toy_model(2, 4));
    QVERIFY(reopened.open_session(session));
    QVERIFY(reopened.traffic_chart()->curve("peak (measured)") != nullptr);
    QCOMPARE(reopened.traffic_chart()->curve("peak (measured)")->at(2), QPointF(1024, 1924.0));
    const afbs::ui::SessionDocument restored = reopened.capture_session();
    QCOMPARE(*restored.quality.at(0).peak_device_bytes, 1156.0 * kMiB);
    QCOMPARE(*restored.runs.at(0).quality.at(1).peak_device_bytes, 1412.0 * kMiB);
  }

  void other_views_and_suffixes_are_refused_with_a_message() {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    window.tabs()->setCurrentIndex(4);  // Log
    QVERIFY(!window.export_view(dir.filePath("log.png")));
    QVERIFY(window.message_bar()->isVisible());
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    QVERIFY(!window.export_view(dir.filePath("heatmap.jpg")));
    QVERIFY(window.message_bar()->text().contains(".png, .svg or .csv"));
    QVERIFY(!window.export_view("/no/such/folder/heatmap.csv"));
    QVERIFY(window.message_bar()->text().contains("Not exported: /no/such/folder/heatmap.csv"));
    QVERIFY(!QFile::exists(dir.filePath("heatmap.jpg")));
  }

  // Issue 15: an export whose write or fsync fails (EIO) keeps the old file and says which
  // file was not written.
  void a_failed_export_keeps_the_old_file_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<afbs::WriteStep>("step");
    for (const char* name : {"heatmap.png", "heatmap.svg", "heatmap.csv"}) {
      QTest::addRow("%s write", name) << name << afbs::WriteStep::Write;
      QTest::addRow("%s fsync", name) << name << afbs::WriteStep::Fsync;
    }
  }
  void a_failed_export_keeps_the_old_file() {
    QFETCH(QString, name);
    QFETCH(afbs::WriteStep, step);
    QTemporaryDir dir;
    const QString path = dir.filePath(name);
    {
      QFile old(path);
      QVERIFY(old.open(QIODevice::WriteOnly));
      old.write("old export");
    }
    MainWindow window;
    window.show();
    window.tabs()->setCurrentWidget(window.heatmap());
    {
      afbs::testing::InjectedWriteFault fault(step, EIO, QFile::encodeName(path).toStdString());
      QVERIFY(!window.export_view(path));
    }
    QCOMPARE(read_all(path), QByteArray("old export"));
    const QString message = window.message_bar()->text();
    QVERIFY2(message.contains(path) && message.contains(std::strerror(EIO)), qPrintable(message));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);  // no temporary file left
  }
};

QTEST_MAIN(TestViewExport)
#include "tst_view_export.moc"

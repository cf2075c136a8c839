// The Runs tab's details: the evaluations table (filter, sort, CSV), the heatmap diff of two
// runs or of a run and a config file, their exports, and the diff's data kept in sessions.
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "core/io/config_file.h"
#include "ui/evaluation_filter.h"
#include "ui/evaluation_table_model.h"
#include "ui/evaluations_view.h"
#include "ui/main_window.h"
#include "ui/run_history.h"
#include "ui/runs_view.h"
#include "ui/session_document.h"
#include "ui/sparsity_diff.h"
#include "ui/sparsity_diff_view.h"

using afbs::engine::EvaluationRecord;
using afbs::engine::Stage;
using afbs::ui::EvaluationsView;
using afbs::ui::RunEntry;
using afbs::ui::SparsityDiff;

namespace {

EvaluationRecord record(int layer, int head, Stage stage, int length, double tau, double sparsity,
                        double error, bool met) {
  EvaluationRecord r;
  r.layer = layer;
  r.head = head;
  r.stage = stage;
  r.length_tokens = length;
  r.theta = 0.25;
  r.tau = tau;
  r.lambda = 50.0;
  r.sparsity = sparsity;
  r.error = error;
  r.objective = met ? sparsity : 0.0;
  return r;
}

std::vector<EvaluationRecord> records() {
  return {record(0, 0, Stage::Exploration, 256, 0.9, 0.30, 0.010, true),
          record(0, 1, Stage::Exploration, 256, 0.5, 0.70, 0.200, false),
          record(1, 0, Stage::TauSearch, 512, 0.8, 0.45, 0.040, true),
          record(1, 1, Stage::TauSearch, 1024, 0.7, 0.55, 0.061, false),
          record(1, 1, Stage::Validation, 1024, 0.75, 0.52, 0.049, true)};
}

QByteArray read_all(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

RunEntry run(int number, afbs::ui::HeadSparsities sparsity) {
  RunEntry entry;
  entry.number = number;
  entry.method = "afbs-bo";
  entry.status = "succeeded";
  entry.records = records();
  entry.head_sparsity = std::move(sparsity);
  return entry;
}

}  // namespace

class TestRunDetails : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void filters_by_layer_head_stage_and_text() {
    EvaluationsView view;
    view.set_records("#1", records());
    QCOMPARE(view.count_label()->text(), QString("5 of 5 evaluations"));
    view.layer_filter()->setCurrentIndex(view.layer_filter()->findData(1));
    QCOMPARE(view.filter()->rowCount(), 3);
    view.head_filter()->setCurrentIndex(view.head_filter()->findData(1));
    QCOMPARE(view.filter()->rowCount(), 2);
    view.stage_filter()->setCurrentIndex(view.stage_filter()->findData(int(Stage::Validation)));
    QCOMPARE(view.filter()->rowCount(), 1);
    QCOMPARE(view.count_label()->text(), QString("1 of 5 evaluations"));
    view.stage_filter()->setCurrentIndex(0);  // any stage
    view.head_filter()->setCurrentIndex(0);
    view.layer_filter()->setCurrentIndex(0);
    view.text_filter()->setText("MISSED");  // case-insensitive, any column
    QCOMPARE(view.filter()->rowCount(), 2);
    view.text_filter()->setText("tau");
    QCOMPARE(view.filter()->rowCount(), 2);
    view.text_filter()->clear();
    QCOMPARE(view.filter()->rowCount(), 5);
  }

  void sorts_by_value_and_exports_the_rows_shown() {
    EvaluationsView view;
    view.set_records("#1", records());
    // Errors 0.010 … 0.200 sort as numbers; the text "0.0490" would sort the same only by luck,
    // so check the order of the rows, not their text.
    view.table()->sortByColumn(afbs::ui::EvaluationTableModel::Error, Qt::DescendingOrder);
    QCOMPARE(view.filter()->index(0, afbs::ui::EvaluationTableModel::Error).data().toString(),
             QString("0.2000"));
    view.table()->sortByColumn(afbs::ui::EvaluationTableModel::Length, Qt::AscendingOrder);
    QCOMPARE(view.filter()->index(4, afbs::ui::EvaluationTableModel::Length).data().toInt(), 1024);
    view.layer_filter()->setCurrentIndex(view.layer_filter()->findData(1));
    view.table()->sortByColumn(afbs::ui::EvaluationTableModel::Error, Qt::AscendingOrder);

    QTemporaryDir dir;
    QVERIFY(view.export_csv(dir.filePath("evaluations.csv")));
    const QStringList rows = QString::fromUtf8(read_all(dir.filePath("evaluations.csv")))
                                 .split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 4);  // header + layer 1's three evaluations
    QCOMPARE(rows[0], QString("#,layer,head,stage,rung,length,window,θ,τ,λ,sparsity,error,target"));
    QCOMPARE(rows[1], QString("3,1,0,tau,2,512,0,0.250,0.8000,50.00,0.450,0.0400,met"));
    QCOMPARE(rows[2], QString("5,1,1,validate,3,1024,0,0.250,0.7500,50.00,0.520,0.0490,met"));
    QCOMPARE(rows[3], QString("4,1,1,tau,3,1024,0,0.250,0.7000,50.00,0.550,0.0610,missed"));
    QVERIFY(!view.export_csv("/no/such/folder/e.csv"));
  }

  void diff_values_are_b_minus_a() {
    const SparsityDiff diff =
        SparsityDiff::of("#1", {{{0, 0}, 0.50}, {{0, 1}, 0.25}, {{1, 0}, 0.0}}, "#2",
                         {{{0, 0}, 0.75}, {{0, 1}, 0.125}, {{1, 1}, 0.5}});
    QCOMPARE(diff.layers, 2);
    QCOMPARE(diff.heads, 2);
    QCOMPARE(*diff.difference(0, 0), 0.25);
    QCOMPARE(*diff.difference(0, 1), -0.125);
    QVERIFY(!diff.difference(1, 0));  // not in #2
    QVERIFY(!diff.difference(1, 1));  // not in #1
    QCOMPARE(diff.largest_change(), 0.25);
    QCOMPARE(diff.compared_heads(), 2);
    const QStringList rows = QString::fromUtf8(diff.csv()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows[0], QString("layer,head,#1,#2,difference"));
    QCOMPARE(rows[1], QString("0,0,0.5,0.75,0.25"));
    QCOMPARE(rows[2], QString("0,1,0.25,0.125,-0.125"));
    QCOMPARE(rows[3], QString("1,0,0,,"));
    // The scale diverges about 0: white at 0, red for b sparser, blue for a sparser.
    QCOMPARE(afbs::ui::diverging_color(0.0, 0.25), QColor(Qt::white));
    QCOMPARE(afbs::ui::diverging_color(0.25, 0.25), QColor(0xb2, 0x18, 0x2b));
    QCOMPARE(afbs::ui::diverging_color(-1.0, 0.25), QColor(0x21, 0x66, 0xac));  // clamped
  }

  void runs_tab_diffs_two_runs_and_a_config_file() {
    afbs::ui::MainWindow window;
    window.resize(1200, 760);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    afbs::ui::RunHistory* history = window.run_history();
    history->add(run(1, {{{0, 0}, 0.5}, {{0, 1}, 0.25}}));
    history->add(run(2, {{{0, 0}, 0.75}, {{0, 1}, 0.25}}));
    afbs::ui::RunsView* runs = window.runs_view();
    window.tabs()->setCurrentWidget(window.runs_tab());

    runs->select_runs({2});
    runs->table()->setCurrentIndex(runs->table()->model()->index(1, 0));
    QVERIFY(runs->evaluations()->count_label()->text().contains("5 of 5"));

    QVERIFY(runs->diff_runs(1, 2));
    QCOMPARE(runs->detail_tabs()->currentWidget(), runs->diff_view());
    QCOMPARE(*runs->diff_view()->diff().difference(0, 0), 0.25);
    // The cell is painted in the scale's red end (the largest change is +0.25).
    const QImage picture = runs->diff_view()->grab().toImage();
    const QPoint centre = runs->diff_view()->cell_rect(0, 0).center();
    QCOMPARE(picture.pixelColor(centre * picture.devicePixelRatio()), QColor(0xb2, 0x18, 0x2b));

    // A config file against run #1: its per-head sparsity, dense heads 0.
    QTemporaryDir dir;
    afbs::SparseConfig config;
    config.model = afbs::ModelIdentity{"toy", "", 1, 2, 2, 64};
    config.layers = {{afbs::HeadConfig{}, afbs::HeadConfig{}}};
    config.layers[0][0].sparsity = 0.625;
    config.layers[0][1].sparse = false;
    const QString path = dir.filePath("other.json");
    QVERIFY(afbs::write_config(config, path.toStdString()));
    QVERIFY(runs->diff_run_with_config(1, path));
    QCOMPARE(runs->diff_view()->diff().b_name, QString("other.json"));
    QCOMPARE(*runs->diff_view()->diff().difference(0, 0), 0.125);
    QCOMPARE(*runs->diff_view()->diff().difference(0, 1), -0.25);

    QSignalSpy problems(runs, &afbs::ui::RunsView::problem);
    QFile bad(dir.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{ not json");
    bad.close();
    QVERIFY(!runs->diff_run_with_config(1, bad.fileName()));
    QCOMPARE(problems.size(), 1);
    QVERIFY(problems.front().front().toString().contains("bad.json"));

    // The Runs tab exports what its details show: the diff, then the evaluations.
    QVERIFY(window.export_view(dir.filePath("diff.csv")));
    QVERIFY(read_all(dir.filePath("diff.csv")).startsWith("layer,head,#1 afbs-bo,other.json,"));
    QVERIFY(window.export_view(dir.filePath("diff.svg")));
    QVERIFY(read_all(dir.filePath("diff.svg")).contains("<svg"));
    QVERIFY(window.export_view(dir.filePath("diff.png")));
    QVERIFY(!QImage(dir.filePath("diff.png")).isNull());
    runs->detail_tabs()->setCurrentWidget(runs->evaluations());
    QVERIFY(window.export_view(dir.filePath("evaluations.csv")));
    QCOMPARE(read_all(dir.filePath("evaluations.csv")).count('\n'), 6);
  }

  void sessions_keep_each_runs_head_sparsity() {
    afbs::ui::SessionDocument session;
    session.runs.push_back(run(1, {{{0, 3}, 0.5}, {{2, 1}, 0.0}}));
    auto back = afbs::ui::session_from_json(afbs::ui::session_to_json(session), "s.json");
    QVERIFY(back.ok());
    QCOMPARE(back->runs.front().head_sparsity, session.runs.front().head_sparsity);
    // A head that is not [layer, head, value] is refused, naming the file.
    const QJsonObject root = QJsonDocument::fromJson(afbs::ui::session_to_json(session)).object();
    QJsonArray runs = root["runs"].toArray();
    QJsonObject first = runs[0].toObject();
    first["head_sparsity"] = QJsonArray{QJsonArray{0, 3}};
    runs[0] = first;
    QJsonObject changed = root;
    changed["runs"] = runs;
    auto refused = afbs::ui::session_from_json(QJsonDocument(changed).toJson(), "s.json");
    QVERIFY(!refused.ok());
    QVERIFY(QString::fromStdString(refused.error().message).contains("s.json"));
  }
};

QTEST_MAIN(TestRunDetails)
#include "tst_run_details.moc"

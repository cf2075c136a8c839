// Re-tuning the heads selected in the heatmap: only their layers run, every other head keeps its
// values, pinned heads among the selection stay as they are.
#include <QItemSelectionModel>
#include <QTableView>
#include <QtTest>

#include "synthetic_tuning_job.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/sparsity_heatmap.h"
#include "workbench_test_helpers.h"

using afbs::ui::MainWindow;
using afbs::ui::testing::log_text;

namespace {

void select(MainWindow& window, const std::vector<std::pair<int, int>>& heads) {
  QTableView* table = window.heatmap()->table();
  table->selectionModel()->clearSelection();
  for (const auto& [layer, head] : heads)
    table->selectionModel()->select(table->model()->index(layer, head),
                                    QItemSelectionModel::Select);
}

}  // namespace

class TestRetuneSelected : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void only_the_selected_heads_change() {
    MainWindow window;
    std::vector<int> layers_asked;
    auto jobs = [&](const afbs::engine::EngineOptions& options,
                    afbs::engine::PinSource pins) -> afbs::ui::TuningJob {
      layers_asked = options.layers;
      return [pins, layers = options.layers](afbs::engine::TuningObserver& observer,
                                             afbs::engine::RunControl control) {
        // The synthetic run tunes layers 0..n-1; skip to the asked ones by pinning the rest.
        afbs::engine::PinSource only_asked = [pins, layers](int layer) {
          if (std::find(layers.begin(), layers.end(), layer) != layers.end()) return pins(layer);
          afbs::engine::PinSnapshot all;
          for (int head = 0; head < 4; ++head)
            all[head] = afbs::engine::HeadPin{};
          return all;
        };
        return afbs::ui::testing::run_synthetic_tuning(observer, control, only_asked, 3, 4, 0.05);
      };
    };
    window.show_model(afbs::ui::testing::toy_model(3, 4, jobs));
    afbs::ui::HeatmapModel* model = window.heatmap_model();
    // Every head measured at a value no synthetic run produces.
    for (int layer = 0; layer < 3; ++layer) {
      for (int head = 0; head < 4; ++head) {
        afbs::ui::HeadCell cell;
        cell.tuned = true;
        cell.sparsity = 0.123;
        model->write_cell(layer, head, cell);
      }
    }
    model->toggle_pin(1, 3);
    select(window, {{1, 0}, {1, 2}, {1, 3}});
    QVERIFY(window.retune_selected());
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(layers_asked, std::vector<int>{1});
    QVERIFY(log_text(window).contains("on 2 selected head(s)"));
    QVERIFY(log_text(window).contains("pinned and keep their values"));
    for (int layer = 0; layer < 3; ++layer) {
      for (int head = 0; head < 4; ++head) {
        const bool retuned = layer == 1 && (head == 0 || head == 2);
        QCOMPARE(model->cell(layer, head).sparsity != 0.123, retuned);
      }
    }
    QVERIFY(model->cell(1, 3).pinned);
  }

  void a_selection_of_pinned_heads_starts_nothing() {
    MainWindow window;
    bool asked = false;
    auto jobs = [&](const afbs::engine::EngineOptions&,
                    afbs::engine::PinSource) -> afbs::ui::TuningJob {
      asked = true;
      return {};
    };
    window.show_model(afbs::ui::testing::toy_model(2, 2, jobs));
    window.heatmap_model()->toggle_pin(0, 1);
    select(window, {{0, 1}});
    QVERIFY(!window.retune_selected());
    QVERIFY(!asked);
    QVERIFY(window.message_bar()->text().contains("every selected head is pinned"));
  }
};

QTEST_MAIN(TestRetuneSelected)
#include "tst_retune_selected.moc"

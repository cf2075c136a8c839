// MainWindow: the current view as an image or its data (File → Export view…).

#include <QChart>
#include <QScrollArea>
#include <QTabWidget>

#include "ui/chart_export.h"
#include "ui/convergence_chart.h"
#include "ui/evaluations_view.h"
#include "ui/frontier_chart.h"
#include "ui/heatmap_export.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/quality_chart.h"
#include "ui/runs_view.h"
#include "ui/sparsity_diff_view.h"
#include "ui/sparsity_heatmap.h"

namespace afbs::ui {

bool MainWindow::export_view(const QString& path) {
  QWidget* view = tabs_->currentWidget();
  // What is drawn (PNG, SVG) and what its data are (CSV), view by view.
  QWidget* shown = nullptr;
  std::function<QByteArray()> csv;
  if (view == convergence_tab_) {
    shown = convergence_;
    csv = [this] { return charts_csv(convergence_->charts()); };
  } else if (view == heatmap_tab_) {
    shown = heatmap_;  // the heatmap without the inspector (its block mask exports from its tab)
    csv = [this] { return heatmap_csv(*heatmap_model_); };
  } else if (view == quality_tab_) {
    shown = static_cast<QScrollArea*>(view)->widget();
    csv = [this] { return charts_csv({quality_->chart(), traffic_->chart(), frontier_->chart()}); };
  } else if (view == runs_tab_) {
    if (runs_view_->detail_tabs()->currentWidget() == runs_view_->diff_view()) {
      shown = runs_view_->diff_view();
      csv = [this] { return runs_view_->diff_view()->diff().csv(); };
    } else {
      shown = runs_view_->evaluations();
      csv = [this] { return runs_view_->evaluations()->csv(); };
    }
  } else {
    notify(Severity::Warning,
           tr("Export: the Convergence, Heatmap, Quality and Runs views export; the log and "
              "notes are saved with the session."));
    return false;
  }
  const QString title = tabs_->tabText(tabs_->currentIndex());
  if (Status written = export_widget(shown, path, title, csv); !written) {
    notify(Severity::Error,
           tr("Not exported: %1").arg(QString::fromStdString(written.error().message)));
    return false;
  }
  remember_folder("export", path);
  append_log(tr("Exported the %1 view to %2").arg(title, path));
  return true;
}

}  // namespace afbs::ui

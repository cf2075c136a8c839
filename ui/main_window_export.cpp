// MainWindow: the current view as an image or its data (File → Export view…).

#include <QChart>
#include <QFileInfo>
#include <QScrollArea>
#include <QTabWidget>

#include "ui/chart_export.h"
#include "ui/convergence_chart.h"
#include "ui/heatmap_export.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/quality_chart.h"
#include "ui/sparsity_heatmap.h"

namespace afbs::ui {

bool MainWindow::export_view(const QString& path) {
  QWidget* view = tabs_->currentWidget();
  const bool heatmap = view == heatmap_tab_;
  QList<QChart*> charts;
  if (view == convergence_tab_) {
    charts = convergence_->charts();
  } else if (view == quality_tab_) {
    charts = {quality_->chart(), traffic_->chart()};
  } else if (!heatmap) {
    notify(Severity::Warning, tr("Export: the Convergence, Heatmap and Quality views export; the "
                                 "log and notes are saved with the session."));
    return false;
  }
  const QString suffix = QFileInfo(path).suffix().toLower();
  Status written;
  if (suffix == "png") {
    // The view itself, not its scroll area; the heatmap without the inspector.
    QWidget* shown = heatmap ? heatmap_ : static_cast<QScrollArea*>(view)->widget();
    written = write_widget_png(shown, path);
  } else if (suffix == "svg") {
    written = write_file_bytes(path, heatmap ? heatmap_svg(*heatmap_model_) : charts_svg(charts));
  } else if (suffix == "csv") {
    written = write_file_bytes(path, heatmap ? heatmap_csv(*heatmap_model_) : charts_csv(charts));
  } else {
    notify(Severity::Error, tr("Not exported: %1 does not end in .png, .svg or .csv").arg(path));
    return false;
  }
  if (!written) {
    notify(Severity::Error,
           tr("Not exported: %1").arg(QString::fromStdString(written.error().message)));
    return false;
  }
  remember_folder("export", path);
  append_log(tr("Exported the %1 view to %2").arg(tabs_->tabText(tabs_->currentIndex()), path));
  return true;
}

}  // namespace afbs::ui

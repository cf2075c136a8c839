#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app/workbench/session_job_factory.h"
#include "core/common/resource_paths.h"
#include "core/common/version.h"
#include "core/io/spargeattn_file.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/run_panel.h"

namespace {

// Loads what the panels show and arms Start with jobs on `model_dir`; errors go to the log.
void open_model(afbs::ui::MainWindow& window, const std::filesystem::path& model_dir,
                afbs::SessionOptions options) {
  auto summary = afbs::app::describe_model(model_dir);
  if (!summary) {
    window.append_log(QObject::tr("Cannot open the model: %1")
                          .arg(QString::fromStdString(summary.error().message)));
    return;
  }
  window.model_panel()->show_rows(summary->rows);
  window.heatmap_model()->set_dimensions(summary->layers, summary->heads);
  window.run_panel()->set_model_limits(summary->layers, summary->context_tokens);
  window.run_panel()->set_top_length(options.max_top_length);
  options.model_dir = model_dir;
  window.set_job_factory(afbs::app::make_session_job_factory(options));
  window.set_model_identity(summary->identity);
  window.set_spargeattn_writer(afbs::write_spargeattn);
  window.append_log(QObject::tr("Model %1 ready: Start tunes it (the first run loads it and "
                                "captures Q/K/V).")
                        .arg(QString::fromStdString(model_dir.string())));
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("afbs-workbench");
  QApplication::setApplicationVersion(afbs::kVersion);

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QObject::tr("Tune sparse attention per layer and head, and watch it happen."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("model", QObject::tr("Model folder (default: the demo model)."),
                               "[MODEL_DIR]");
  QCommandLineOption text(QStringList{"t", "text"}, QObject::tr("Calibration text."), "file");
  QCommandLineOption top(QStringList{"top-length"},
                         QObject::tr("Top fidelity n_F the run panel starts with, in tokens "
                                     "(default 1024: a quick run)."),
                         "tokens", "1024");
  QCommandLineOption quit(QStringList{"quit-after-ms"},
                          QObject::tr("Close after N ms (smoke tests)."), "ms");
  parser.addOptions({text, top, quit});
  parser.process(app);

  afbs::ui::MainWindow window;
  afbs::SessionOptions options;
  options.max_top_length = parser.value(top).toInt();
  options.measure_quality = true;  // feeds the Quality tab after each successful run
  if (parser.isSet(text)) {
    options.text = parser.value(text).toStdString();
  } else if (auto root = afbs::find_resource_root()) {
    options.text = *root / "data" / "kjv-validation.txt";
  }
  std::optional<std::filesystem::path> model_dir;
  if (!parser.positionalArguments().isEmpty()) {
    model_dir = parser.positionalArguments().first().toStdString();
  } else {
    model_dir = afbs::find_demo_model();
  }
  if (model_dir) {
    open_model(window, *model_dir, options);
  } else {
    window.append_log(QObject::tr("No model named and no bundled demo model found."));
  }
  window.show();
  if (parser.isSet(quit)) QTimer::singleShot(parser.value(quit).toInt(), &app, &QApplication::quit);
  return app.exec();
}

#include <QCommandLineParser>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include "app/workbench/responsiveness_probe.h"
#include "app/workbench/session_job_factory.h"
#include "core/common/resource_paths.h"
#include "core/common/version.h"
#include "core/io/spargeattn_file.h"
#include "ui/guarded_application.h"
#include "ui/main_window.h"
#include "ui/run_panel.h"

int main(int argc, char** argv) {
  afbs::ui::GuardedApplication app(argc, argv);  // an escaped exception is a message, not an abort
  QApplication::setApplicationName("afbs-workbench");
  QApplication::setOrganizationName("afbs-workbench");
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
  // Not "--session": Qt takes -session/--session ID for X11 session management and removes it
  // (and its value) from the arguments before the parser sees them.
  QCommandLineOption session(QStringList{"open-session"}, QObject::tr("Open this session file."),
                             "file");
  QCommandLineOption fresh(QStringList{"fresh"},
                           QObject::tr("Do not restore the session autosaved at the last close."));
  QCommandLineOption quit(QStringList{"quit-after-ms"},
                          QObject::tr("Close after N ms (smoke tests)."), "ms");
  QCommandLineOption probe(
      QStringList{"probe-responsiveness"},
      QObject::tr("Benchmark B4: start a run at once, measure the event loop's stalls while it "
                  "goes, write them to this JSON file and quit."),
      "file");
  parser.addOptions({text, top, session, fresh, quit, probe});
  parser.process(app);

  afbs::ui::MainWindow window;
  app.set_handler([&window](const QString& what) { window.report_escaped_exception(what); });
  window.set_settings(new QSettings);
  const QString data_dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(data_dir);
  window.set_autosave_path(data_dir + "/autosave.afbs-session.json");

  afbs::SessionOptions options;
  options.max_top_length = parser.value(top).toInt();
  options.measure_quality = true;  // feeds the Quality tab after each successful run
  if (parser.isSet(text)) {
    options.text = parser.value(text).toStdString();
  } else if (auto root = afbs::find_resource_root()) {
    options.text = *root / "data" / "kjv-validation.txt";
  }
  window.set_model_opener(afbs::app::make_model_opener(options));
  window.set_spargeattn_writer(afbs::write_spargeattn);

  window.run_panel()->set_top_length(options.max_top_length);

  std::optional<std::filesystem::path> model_dir;
  if (!parser.positionalArguments().isEmpty()) {
    model_dir = parser.positionalArguments().first().toStdString();
  } else {
    model_dir = afbs::find_demo_model();
  }
  if (parser.isSet(session)) {
    window.open_session(parser.value(session));
  } else if (model_dir) {
    // A folder that is not a model says so in the message bar; File → Open model recovers.
    if (window.open_model(QString::fromStdString(model_dir->string())) && !parser.isSet(fresh))
      window.restore_autosave();
  } else {
    window.notify(afbs::ui::Severity::Warning,
                  QObject::tr("No model named and no bundled demo model found: open one."),
                  QObject::tr("Open model…"),
                  [&window] { window.findChild<QAction*>("openModelAction")->trigger(); });
  }
  window.show();
  if (parser.isSet(probe)) afbs::app::probe_responsiveness(window, parser.value(probe));
  if (parser.isSet(quit)) {  // smoke tests: keep the autosave, ask nothing
    QTimer::singleShot(parser.value(quit).toInt(), &window, [&window] {
      window.autosave_now();
      QApplication::exit(0);
    });
  }
  return app.exec();
}

#include <QApplication>
#include <QTimer>

#include "core/common/resource_paths.h"
#include "core/common/version.h"
#include "ui/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("afbs-workbench");
  QApplication::setApplicationVersion(afbs::kVersion);

  afbs::ui::MainWindow window;
  if (auto demo = afbs::find_demo_model()) {
    window.append_log(
        QObject::tr("Demo model found at %1").arg(QString::fromStdString(demo->string())));
  } else {
    window.append_log(QObject::tr("No bundled demo model found."));
  }
  window.show();
  // --quit-after-ms N: close after N ms (used by the start-up smoke check).
  const QStringList args = QApplication::arguments();
  if (int i = args.indexOf("--quit-after-ms"); i >= 0 && i + 1 < args.size()) {
    QTimer::singleShot(args[i + 1].toInt(), &app, &QApplication::quit);
  }
  return app.exec();
}

#include "ui/guarded_application.h"

#include <exception>
#include <string>

namespace afbs::ui {

GuardedApplication::GuardedApplication(int& argc, char** argv) : QApplication(argc, argv) {
  connect(
      this, &GuardedApplication::report_posted, this, [this] { reports_.run_oldest(); },
      Qt::QueuedConnection);
}

bool GuardedApplication::notify(QObject* receiver, QEvent* event) {
  std::string what;
  try {
    return QApplication::notify(receiver, event);
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
    what = "an unknown exception";
  }
  qCritical("afbs-workbench: an exception escaped an event handler: %s", what.c_str());
  // Run on the GUI thread after the throwing handler has unwound, whichever thread it ran on.
  reports_.post([this, what] { report(QString::fromLocal8Bit(what)); });
  Q_EMIT report_posted();
  return false;
}

void GuardedApplication::report(const QString& what) {
  ++escaped_;
  if (!handler_) return;
  try {
    handler_(what);
  } catch (...) {  // the handler failing must not bring the loop back here forever
    qCritical("afbs-workbench: the error handler failed too");
  }
}

}  // namespace afbs::ui

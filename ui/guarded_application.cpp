#include "ui/guarded_application.h"

#include <QMetaObject>
#include <exception>

namespace afbs::ui {

GuardedApplication::GuardedApplication(int& argc, char** argv) : QApplication(argc, argv) {}

bool GuardedApplication::notify(QObject* receiver, QEvent* event) {
  QString what;
  try {
    return QApplication::notify(receiver, event);
  } catch (const std::exception& error) {
    what = QString::fromLocal8Bit(error.what());
  } catch (...) {
    what = QStringLiteral("an unknown exception");
  }
  qCritical("afbs-workbench: an exception escaped an event handler: %s", qPrintable(what));
  // Queued to this object, so the handler runs on the GUI thread after the throwing handler
  // has unwound, whichever thread it ran on.
  QMetaObject::invokeMethod(
      this, [this, what] { report(what); }, Qt::QueuedConnection);
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

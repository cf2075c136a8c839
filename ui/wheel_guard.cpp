#include "ui/wheel_guard.h"

#include <QEvent>
#include <QWidget>

namespace afbs::ui {

void WheelGuard::install(QWidget* field) {
  field->setFocusPolicy(Qt::StrongFocus);  // not WheelFocus: a wheel turn gives no focus
  field->installEventFilter(new WheelGuard(field));
}

bool WheelGuard::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Wheel) {
    auto* field = qobject_cast<QWidget*>(watched);
    if (field != nullptr && !field->hasFocus()) {
      event->ignore();  // the scroll area around it scrolls instead
      return true;
    }
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace afbs::ui

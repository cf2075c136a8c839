#pragma once

#include <QObject>

class QWidget;

namespace afbs::ui {

// Keeps the mouse wheel from changing a field the person has not focused: scrolling past a
// spin box or combo box must not retune ε₁. Fields it guards take focus by click or tab only.
class WheelGuard : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;

  // Guards `field` (the guard is parented to it).
  static void install(QWidget* field);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
};

}  // namespace afbs::ui

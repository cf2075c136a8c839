#pragma once

#include <QGroupBox>

class QDoubleSpinBox;
class QComboBox;
class QPushButton;

namespace afbs::ui {

// Run controls: targets, method, start / pause / cancel.
class RunPanel : public QGroupBox {
  Q_OBJECT
 public:
  explicit RunPanel(QWidget* parent = nullptr);

  double l1_target() const;
  double pv_l1_target() const;
  QString method() const;

  // Enables the buttons that make sense: start when idle, pause and cancel while running.
  void set_running(bool running);
  // Pause reads "Resume" while the run is paused.
  void set_paused(bool paused);

 Q_SIGNALS:
  void start_requested();
  void pause_requested();
  void cancel_requested();

 private:
  QDoubleSpinBox* l1_ = nullptr;
  QDoubleSpinBox* pv_l1_ = nullptr;
  QComboBox* method_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* pause_ = nullptr;
  QPushButton* cancel_ = nullptr;
};

}  // namespace afbs::ui

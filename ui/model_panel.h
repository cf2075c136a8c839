#pragma once

#include <QGroupBox>

class QFormLayout;
class QLabel;

namespace afbs::ui {

// Shows what is loaded: path, architecture, layers, heads, head size, dtype, device.
class ModelPanel : public QGroupBox {
  Q_OBJECT
 public:
  explicit ModelPanel(QWidget* parent = nullptr);

  // Replaces the shown model description with (label, value) rows.
  void show_rows(const QList<QPair<QString, QString>>& rows);

 private:
  QFormLayout* form_;
};

}  // namespace afbs::ui

#pragma once

#include <QFrame>
#include <functional>

class QLabel;
class QPushButton;

namespace afbs::ui {

enum class Severity { Information, Warning, Error };

// A bar over the current view that says what went wrong (or needs attention) until the person
// closes it or the next message replaces it; optionally with one action ("Open model…").
class MessageBar : public QFrame {
  Q_OBJECT
 public:
  explicit MessageBar(QWidget* parent = nullptr);

  void show_message(Severity severity, const QString& text, const QString& action_text = {},
                    std::function<void()> action = {});
  void dismiss();

  QString text() const;
  Severity severity() const { return severity_; }
  QPushButton* action_button() const { return action_button_; }

 private:
  QLabel* icon_;
  QLabel* text_;
  QPushButton* action_button_;
  QPushButton* close_button_;
  Severity severity_ = Severity::Information;
  std::function<void()> action_;
};

}  // namespace afbs::ui

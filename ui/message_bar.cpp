#include "ui/message_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace afbs::ui {
namespace {

struct Look {
  QStyle::StandardPixmap icon;
  const char* background;
  const char* border;
};

Look look_of(Severity severity) {
  switch (severity) {
    case Severity::Error:
      return {QStyle::SP_MessageBoxCritical, "#f8d7da", "#c0392b"};
    case Severity::Warning:
      return {QStyle::SP_MessageBoxWarning, "#fff3cd", "#d4a017"};
    case Severity::Information:
      break;
  }
  return {QStyle::SP_MessageBoxInformation, "#d9ecf7", "#2e86c1"};
}

}  // namespace

MessageBar::MessageBar(QWidget* parent) : QFrame(parent) {
  setObjectName("messageBar");
  icon_ = new QLabel(this);
  text_ = new QLabel(this);
  text_->setObjectName("messageText");
  text_->setWordWrap(true);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  action_button_ = new QPushButton(this);
  action_button_->setObjectName("messageAction");
  close_button_ = new QPushButton(tr("Dismiss"), this);
  close_button_->setObjectName("messageDismiss");
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 8, 4);
  layout->addWidget(icon_);
  layout->addWidget(text_, 1);
  layout->addWidget(action_button_);
  layout->addWidget(close_button_);
  connect(close_button_, &QPushButton::clicked, this, &MessageBar::dismiss);
  connect(action_button_, &QPushButton::clicked, this, [this] {
    if (action_) action_();
  });
  hide();
}

void MessageBar::show_message(Severity severity, const QString& text, const QString& action_text,
                              std::function<void()> action) {
  severity_ = severity;
  const Look look = look_of(severity);
  // Fixed colours with dark text: the bar reads the same on light and dark palettes.
  setStyleSheet(QStringLiteral("#messageBar { background: %1; border: 1px solid %2; "
                               "border-radius: 4px; } #messageBar QLabel { color: #1b1b1b; }")
                    .arg(look.background, look.border));
  const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
  icon_->setPixmap(style()->standardIcon(look.icon, nullptr, this).pixmap(size, size));
  text_->setText(text);
  action_ = std::move(action);
  action_button_->setText(action_text);
  action_button_->setVisible(!action_text.isEmpty() && action_);
  show();
}

void MessageBar::dismiss() {
  text_->clear();
  action_ = {};
  hide();
}

QString MessageBar::text() const {
  return text_->text();
}

}  // namespace afbs::ui

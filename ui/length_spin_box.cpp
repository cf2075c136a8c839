#include "ui/length_spin_box.h"

#include <algorithm>

namespace afbs::ui {
namespace {

// The digits of `text` without the suffix and spaces; empty when there are none.
QString digits_of(const QString& text, const QString& suffix) {
  QString bare = text;
  if (!suffix.isEmpty() && bare.endsWith(suffix)) bare.chop(suffix.size());
  return bare.trimmed();
}

}  // namespace

LengthSpinBox::LengthSpinBox(QWidget* parent) : QSpinBox(parent) {
  setSingleStep(kBlockTokens);
  setCorrectionMode(QAbstractSpinBox::CorrectToNearestValue);
}

int LengthSpinBox::snapped(long long tokens) const {
  const long long block = kBlockTokens;
  const long long rounded = (std::max(tokens, 0LL) + block / 2) / block * block;
  const long long low = (minimum() + block - 1) / block * block;
  const long long high = maximum() / block * block;
  return static_cast<int>(std::clamp(rounded, low, std::max(low, high)));
}

QValidator::State LengthSpinBox::validate(QString& input, int& position) const {
  const QString bare = digits_of(input, suffix());
  if (bare.isEmpty()) return QValidator::Intermediate;
  for (const QChar c : bare)
    if (!c.isDigit()) return QValidator::Invalid;
  if (bare.size() > 12) return QValidator::Invalid;
  const long long tokens = bare.toLongLong();
  // Anything else is typed on the way to a value: it is snapped when the edit ends.
  return snapped(tokens) == tokens ? QValidator::Acceptable : QValidator::Intermediate;
}

int LengthSpinBox::valueFromText(const QString& text) const {
  return snapped(digits_of(text, suffix()).toLongLong());
}

void LengthSpinBox::fixup(QString& input) const {
  const QString bare = digits_of(input, suffix());
  if (!bare.isEmpty()) input = QString::number(snapped(bare.toLongLong())) + suffix();
}

}  // namespace afbs::ui

#pragma once

#include <QSpinBox>

namespace afbs::ui {

// A sequence length in tokens that is always a whole number of blocks: typed values of any
// size are accepted and snapped to the nearest multiple of the block within the range (99999
// becomes the model's context, 1000 becomes 1024), never cut to their first digits.
class LengthSpinBox : public QSpinBox {
  Q_OBJECT
 public:
  static constexpr int kBlockTokens = 64;

  explicit LengthSpinBox(QWidget* parent = nullptr);

  // The nearest multiple of the block to `tokens` inside [minimum(), maximum()].
  int snapped(long long tokens) const;

 protected:
  QValidator::State validate(QString& input, int& position) const override;
  int valueFromText(const QString& text) const override;
  void fixup(QString& input) const override;
};

}  // namespace afbs::ui

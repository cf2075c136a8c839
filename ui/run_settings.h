#pragma once

#include <QString>

namespace afbs::ui {

// What the run panel holds, as a value: saved in sessions and put back on restore.
struct RunSettings {
  double l1_target = 0.05;
  double pv_l1_target = 0.06;
  QString method = QStringLiteral("afbs-bo");
  QString preset = QStringLiteral("sparge-default");
  int top_length_tokens = 1024;
  int first_layer = 0;
  int last_layer = -1;  // negative: the model's last layer

  bool operator==(const RunSettings&) const = default;
};

}  // namespace afbs::ui

#pragma once

// Two configs' per-head sparsity side by side: what the heatmap diff shows and exports.

#include <QByteArray>
#include <QColor>
#include <QString>
#include <map>
#include <optional>
#include <utility>

#include "core/attention/sparse_config.h"

namespace afbs::ui {

// Measured sparsity per (layer, head); a dense head counts 0, an unmeasured sparse head is absent.
using HeadSparsities = std::map<std::pair<int, int>, double>;
HeadSparsities head_sparsities(const SparseConfig& config);

struct SparsityDiff {
  QString a_name, b_name;
  HeadSparsities a, b;
  int layers = 0;  // 1 + the highest layer either holds
  int heads = 0;

  static SparsityDiff of(QString a_name, HeadSparsities a, QString b_name, HeadSparsities b);
  // b − a; nullopt where either has no value for the head.
  std::optional<double> difference(int layer, int head) const;
  // The largest |b − a| (0 when nothing is compared).
  double largest_change() const;
  int compared_heads() const;
  // layer,head,<a name>,<b name>,difference — full precision; empty where a value is missing.
  QByteArray csv() const;
};

// Diverging scale: blue for −limit, white for 0, red for +limit (clamped beyond).
QColor diverging_color(double value, double limit);

}  // namespace afbs::ui

#include "ui/sparsity_diff.h"

#include <algorithm>
#include <cmath>

namespace afbs::ui {

HeadSparsities head_sparsities(const SparseConfig& config) {
  HeadSparsities values;
  for (std::size_t layer = 0; layer < config.layers.size(); ++layer) {
    for (std::size_t head = 0; head < config.layers[layer].size(); ++head) {
      const HeadConfig& h = config.layers[layer][head];
      if (!h.sparse) {
        values[{int(layer), int(head)}] = 0.0;
      } else if (h.sparsity) {
        values[{int(layer), int(head)}] = *h.sparsity;
      }
    }
  }
  return values;
}

SparsityDiff SparsityDiff::of(QString a_name, HeadSparsities a, QString b_name, HeadSparsities b) {
  SparsityDiff diff;
  diff.a_name = std::move(a_name);
  diff.b_name = std::move(b_name);
  diff.a = std::move(a);
  diff.b = std::move(b);
  for (const HeadSparsities* side : {&diff.a, &diff.b}) {
    for (const auto& [key, value] : *side) {
      diff.layers = std::max(diff.layers, key.first + 1);
      diff.heads = std::max(diff.heads, key.second + 1);
    }
  }
  return diff;
}

std::optional<double> SparsityDiff::difference(int layer, int head) const {
  const auto in_a = a.find({layer, head});
  const auto in_b = b.find({layer, head});
  if (in_a == a.end() || in_b == b.end()) return std::nullopt;
  return in_b->second - in_a->second;
}

double SparsityDiff::largest_change() const {
  double largest = 0.0;
  for (int layer = 0; layer < layers; ++layer)
    for (int head = 0; head < heads; ++head)
      if (auto d = difference(layer, head)) largest = std::max(largest, std::abs(*d));
  return largest;
}

int SparsityDiff::compared_heads() const {
  int count = 0;
  for (int layer = 0; layer < layers; ++layer)
    for (int head = 0; head < heads; ++head)
      count += difference(layer, head) ? 1 : 0;
  return count;
}

namespace {

QString csv_name(QString name) {
  if (!name.contains(',') && !name.contains('"')) return name;
  return '"' + name.replace('"', QStringLiteral("\"\"")) + '"';
}

QString number_or_empty(const HeadSparsities& values, int layer, int head) {
  const auto found = values.find({layer, head});
  return found == values.end() ? QString() : QString::number(found->second, 'g', 17);
}

}  // namespace

QByteArray SparsityDiff::csv() const {
  QString text = QStringLiteral("layer,head,") + csv_name(a_name) + ',' + csv_name(b_name) +
                 QStringLiteral(",difference\n");
  for (int layer = 0; layer < layers; ++layer) {
    for (int head = 0; head < heads; ++head) {
      const std::optional<double> d = difference(layer, head);
      text += QString::number(layer) + ',' + QString::number(head) + ',' +
              number_or_empty(a, layer, head) + ',' + number_or_empty(b, layer, head) + ',' +
              (d ? QString::number(*d, 'g', 17) : QString()) + '\n';
    }
  }
  return text.toUtf8();
}

QColor diverging_color(double value, double limit) {
  const double t = limit > 0.0 ? std::clamp(value / limit, -1.0, 1.0) : 0.0;
  // Blue #2166ac (−), white (0), red #b2182b (+): ColorBrewer's RdBu ends.
  const QColor end = t < 0.0 ? QColor(0x21, 0x66, 0xac) : QColor(0xb2, 0x18, 0x2b);
  const double f = std::abs(t);
  auto mix = [f](int from, int to) { return int(std::lround(from + f * (to - from))); };
  return QColor(mix(255, end.red()), mix(255, end.green()), mix(255, end.blue()));
}

}  // namespace afbs::ui

#include "core/engine/price_allocation.h"

#include <cmath>

namespace afbs::engine {

int choose_tau_point(const std::vector<TauPoint>& points, double price, double min_sparsity,
                     double max_error) {
  int chosen = -1;
  double best = 0.0;  // dense: no sparsity, no error
  for (std::size_t i = 0; i < points.size(); ++i) {
    const TauPoint& point = points[i];
    if (point.sparsity < min_sparsity || point.error > max_error) continue;
    const double value = point.sparsity - price * point.error;
    // Strictly better only, so equal values keep the earlier (stage 2's own) point.
    if (value > best) {
      best = value;
      chosen = static_cast<int>(i);
    }
  }
  return chosen;
}

double price_for_total_error(const std::vector<const std::vector<TauPoint>*>& heads,
                             double total_error, double min_sparsity, double max_error,
                             double fallback) {
  const auto spent = [&](double price) {
    double sum = 0.0;
    for (const std::vector<TauPoint>* points : heads) {
      const int i = choose_tau_point(*points, price, min_sparsity, max_error);
      if (i >= 0) sum += (*points)[i].error;
    }
    return sum;
  };
  // Spending falls as the price rises; bracket it, then bisect on log p.
  double low = 1e-3;
  double high = 1e5;
  if (spent(low) <= 0.0) return fallback;  // no head has a candidate
  if (spent(low) <= total_error) return low;
  for (int step = 0; step < 60; ++step) {
    const double middle = std::sqrt(low * high);
    if (spent(middle) <= total_error) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return high;
}

}  // namespace afbs::engine

#pragma once

#include <cmath>
#include <numbers>

namespace afbs::tuning {

// Density and distribution function of the standard normal distribution.
inline double standard_normal_pdf(double z) {
  return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
}

inline double standard_normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

}  // namespace afbs::tuning

#include "core/tuning/standard_functions.h"

#include <cmath>
#include <numbers>

namespace afbs::tuning {

namespace {

double branin_value(const Eigen::VectorXd& x) {
  const double pi = std::numbers::pi;
  const double b = 5.1 / (4.0 * pi * pi), c = 5.0 / pi, t = 1.0 / (8.0 * pi);
  const double term = x[1] - b * x[0] * x[0] + c * x[0] - 6.0;
  return term * term + 10.0 * (1.0 - t) * std::cos(x[0]) + 10.0;
}

double hartmann6_value(const Eigen::VectorXd& x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) {
    double exponent = 0.0;
    for (int j = 0; j < 6; ++j)
      exponent += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-exponent);
  }
  return -sum;
}

}  // namespace

StandardFunction branin() {
  return {"branin", *BoxDomain::create(std::vector<double>{-5.0, 0.0}, {10.0, 15.0}), branin_value,
          0.397887};
}

StandardFunction hartmann6() {
  return {"hartmann6", *BoxDomain::create(std::vector<double>(6, 0.0), std::vector<double>(6, 1.0)),
          hartmann6_value, -3.32237};
}

}  // namespace afbs::tuning

#pragma once

#include <Eigen/Core>
#include <functional>
#include <string>

#include "core/tuning/box_domain.h"

namespace afbs::tuning {

// A standard optimisation test problem with a known global minimum, for tests and benchmarks.
struct StandardFunction {
  std::string name;
  BoxDomain box;
  std::function<double(const Eigen::VectorXd&)> evaluate;
  double minimum;
};

// Branin-Hoo on [-5, 10] x [0, 15]: three global minima, f* = 0.397887 at (-pi, 12.275),
// (pi, 2.275) and (9.42478, 2.475) (Dixon & Szegő 1978; Surjanovic & Bingham's library).
StandardFunction branin();
// Hartmann 6-D on [0, 1]^6: f* = -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332,
// 0.311652, 0.6573) (same sources).
StandardFunction hartmann6();

}  // namespace afbs::tuning

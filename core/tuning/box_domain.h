#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace afbs::tuning {

// An axis-aligned box [lower, upper] in the caller's coordinates. The optimiser works in
// the unit cube; this class maps between the two.
class BoxDomain {
 public:
  // Returns an error naming the dimension when a bound is not finite or lower >= upper.
  static Result<BoxDomain> create(const Eigen::VectorXd& lower, const Eigen::VectorXd& upper);
  static Result<BoxDomain> create(const std::vector<double>& lower,
                                  const std::vector<double>& upper);

  int dimension() const { return static_cast<int>(lower_.size()); }
  const Eigen::VectorXd& lower() const { return lower_; }
  const Eigen::VectorXd& upper() const { return upper_; }

  // Maps a point of the box to the unit cube and back (no clamping).
  Eigen::VectorXd to_unit(const Eigen::VectorXd& point) const;
  Eigen::VectorXd from_unit(const Eigen::VectorXd& unit_point) const;

  // Ok when `point` has the box's dimension, is finite and lies inside the box (with a
  // relative tolerance for round-off); otherwise an error naming `what` and the coordinate.
  Status check_contains(const Eigen::VectorXd& point, const std::string& what) const;

 private:
  BoxDomain(Eigen::VectorXd lower, Eigen::VectorXd upper)
      : lower_(std::move(lower)), upper_(std::move(upper)) {}

  Eigen::VectorXd lower_;
  Eigen::VectorXd upper_;
};

// "(1.5, -2, 3)": a point written for error messages and logs.
std::string format_point(const Eigen::VectorXd& point);

}  // namespace afbs::tuning

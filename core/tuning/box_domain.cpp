#include "core/tuning/box_domain.h"

#include <cmath>
#include <sstream>

namespace afbs::tuning {

Result<BoxDomain> BoxDomain::create(const Eigen::VectorXd& lower, const Eigen::VectorXd& upper) {
  if (lower.size() == 0) return Error{"box domain: no dimensions"};
  if (lower.size() != upper.size()) {
    return Error{"box domain: " + std::to_string(lower.size()) + " lower bounds but " +
                 std::to_string(upper.size()) + " upper bounds"};
  }
  for (Eigen::Index i = 0; i < lower.size(); ++i) {
    if (!std::isfinite(lower[i]) || !std::isfinite(upper[i]) || !(lower[i] < upper[i])) {
      std::ostringstream message;
      message << "box domain: dimension " << i << " has bounds [" << lower[i] << ", " << upper[i]
              << "]; need finite lower < upper";
      return Error{message.str()};
    }
  }
  return BoxDomain(lower, upper);
}

Result<BoxDomain> BoxDomain::create(const std::vector<double>& lower,
                                    const std::vector<double>& upper) {
  return create(Eigen::Map<const Eigen::VectorXd>(lower.data(), lower.size()),
                Eigen::Map<const Eigen::VectorXd>(upper.data(), upper.size()));
}

Eigen::VectorXd BoxDomain::to_unit(const Eigen::VectorXd& point) const {
  return ((point - lower_).array() / (upper_ - lower_).array()).matrix();
}

Eigen::VectorXd BoxDomain::from_unit(const Eigen::VectorXd& unit_point) const {
  return (lower_.array() + unit_point.array() * (upper_ - lower_).array()).matrix();
}

Status BoxDomain::check_contains(const Eigen::VectorXd& point, const std::string& what) const {
  if (point.size() != lower_.size()) {
    return Error{what + " has " + std::to_string(point.size()) + " coordinates; the box has " +
                 std::to_string(lower_.size())};
  }
  for (Eigen::Index i = 0; i < point.size(); ++i) {
    const double slack = 1e-9 * (upper_[i] - lower_[i]);
    if (!std::isfinite(point[i]) || point[i] < lower_[i] - slack || point[i] > upper_[i] + slack) {
      std::ostringstream message;
      message << what << " " << format_point(point) << ": coordinate " << i << " = " << point[i]
              << " is outside [" << lower_[i] << ", " << upper_[i] << "]";
      return Error{message.str()};
    }
  }
  return {};
}

std::string format_point(const Eigen::VectorXd& point) {
  std::ostringstream text;
  text.precision(10);
  text << "(";
  for (Eigen::Index i = 0; i < point.size(); ++i)
    text << (i ? ", " : "") << point[i];
  text << ")";
  return text.str();
}

}  // namespace afbs::tuning

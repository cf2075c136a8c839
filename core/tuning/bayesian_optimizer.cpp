#include "core/tuning/bayesian_optimizer.h"

#include <cmath>
#include <sstream>

#include "core/tuning/constrained_expected_improvement.h"
#include "core/tuning/matern52_kernel.h"
#include "core/tuning/sobol_sequence.h"

namespace afbs::tuning {

namespace {

std::string describe_value(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

BayesianOptimizer::BayesianOptimizer(const BoxDomain& box, BayesianOptimizerOptions options)
    : box_(box),
      options_(std::move(options)),
      rng_(options_.seed),
      kernel_(std::make_unique<Matern52Kernel>(box.dimension())),
      acquisition_(std::make_unique<ConstrainedExpectedImprovement>()) {}

Result<BayesianOptimizer> BayesianOptimizer::create(const BoxDomain& box,
                                                    BayesianOptimizerOptions options) {
  for (size_t k = 0; k < options.constraint_thresholds.size(); ++k) {
    if (!std::isfinite(options.constraint_thresholds[k])) {
      return Error{"Bayesian optimiser: constraint threshold " + std::to_string(k) + " is " +
                   describe_value(options.constraint_thresholds[k])};
    }
  }
  for (size_t i = 0; i < options.extra_initial_points.size(); ++i) {
    Status inside = box.check_contains(options.extra_initial_points[i],
                                       "extra initial point " + std::to_string(i));
    if (!inside) return with_context("Bayesian optimiser", inside.error());
  }
  if (options.initial_design_size < 0) options.initial_design_size = 2 * box.dimension() + 2;

  BayesianOptimizer optimizer(box, std::move(options));
  for (const auto& point : optimizer.options_.extra_initial_points) {
    optimizer.pending_design_.push_back(point);
  }
  const Eigen::MatrixXd design =
      space_filling_points(box.dimension(), optimizer.options_.initial_design_size, optimizer.rng_);
  for (Eigen::Index i = 0; i < design.rows(); ++i) {
    optimizer.pending_design_.push_back(box.from_unit(design.row(i).transpose()));
  }
  return optimizer;
}

Status BayesianOptimizer::set_kernel(std::unique_ptr<Kernel> kernel) {
  if (!kernel || kernel->dimension() != box_.dimension()) {
    return Error{"Bayesian optimiser: kernel dimension does not match the box's " +
                 std::to_string(box_.dimension())};
  }
  kernel_ = std::move(kernel);
  objective_model_.reset();  // rebuilt from the new prototype on the next ask
  constraint_models_.clear();
  return {};
}

void BayesianOptimizer::set_acquisition(std::unique_ptr<Acquisition> acquisition) {
  if (acquisition) acquisition_ = std::move(acquisition);
}

double BayesianOptimizer::internal_objective(double objective) const {
  return options_.goal == Goal::Minimize ? objective : -objective;
}

Result<Eigen::VectorXd> BayesianOptimizer::ask() {
  if (!pending_design_.empty()) {
    Eigen::VectorXd point = pending_design_.front();
    pending_design_.pop_front();
    return point;
  }
  if (observations_.empty()) {  // design asked but nothing told yet: keep exploring
    return box_.from_unit(space_filling_points(box_.dimension(), 1, rng_).row(0).transpose());
  }
  return ask_model();
}

Result<Eigen::VectorXd> BayesianOptimizer::ask_model() {
  const Eigen::Index n = Eigen::Index(observations_.size());
  const int d = box_.dimension();
  const size_t constraint_count = options_.constraint_thresholds.size();
  Eigen::MatrixXd inputs(n, d);
  Eigen::VectorXd objective(n);
  std::vector<Eigen::VectorXd> constraint_values(constraint_count, Eigen::VectorXd(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    inputs.row(i) = box_.to_unit(observations_[i].point).transpose();
    objective[i] = internal_objective(observations_[i].objective);
    for (size_t k = 0; k < constraint_count; ++k) {
      constraint_values[k][i] = observations_[i].constraints[k];
    }
  }

  const HyperparameterFit fit(options_.hyperparameter_fit);
  const bool restarts = model_asks_++ % std::max(1, options_.hyperparameter_restart_interval) == 0;
  auto fit_model = [&](GaussianProcess& model, const Eigen::VectorXd& outputs) -> Status {
    if (Status status = model.set_data(inputs, outputs); !status) return status;
    return fit.fit(model, rng_, restarts);
  };
  if (!objective_model_) objective_model_.emplace(kernel_->clone());
  if (Status status = fit_model(*objective_model_, objective); !status) {
    return with_context("Bayesian optimiser: objective model", status.error());
  }
  while (constraint_models_.size() < constraint_count) {
    constraint_models_.emplace_back(kernel_->clone());
  }
  AcquisitionContext context;
  context.objective = &*objective_model_;
  context.thresholds = options_.constraint_thresholds;
  for (size_t k = 0; k < constraint_count; ++k) {
    if (Status status = fit_model(constraint_models_[k], constraint_values[k]); !status) {
      return with_context("Bayesian optimiser: constraint " + std::to_string(k) + " model",
                          status.error());
    }
    context.constraints.push_back(&constraint_models_[k]);
  }
  Eigen::VectorXd incumbent_unit;
  if (best_index_) {
    context.incumbent = internal_objective(observations_[*best_index_].objective);
    incumbent_unit = box_.to_unit(observations_[*best_index_].point);
  }

  const AcquisitionOptimizer search(options_.acquisition_search);
  const AcquisitionMaximum maximum = search.maximize(*acquisition_, context, incumbent_unit, rng_);
  last_acquisition_ = maximum.value;
  last_acquisition_is_improvement_ = acquisition_->scores_improvement(context);
  // Clamp against round-off so the point is inside the box by construction.
  return box_.from_unit(maximum.unit_point.cwiseMax(0.0).cwiseMin(1.0));
}

Status BayesianOptimizer::tell(const Eigen::VectorXd& point, double objective,
                               const std::vector<double>& constraints) {
  if (Status inside = box_.check_contains(point, "point"); !inside) {
    return with_context("Bayesian optimiser: observation rejected", inside.error());
  }
  if (!std::isfinite(objective)) {
    return Error{"Bayesian optimiser: observation rejected: objective is " +
                 describe_value(objective) + " at " + format_point(point)};
  }
  if (constraints.size() != options_.constraint_thresholds.size()) {
    return Error{"Bayesian optimiser: observation rejected: " + std::to_string(constraints.size()) +
                 " constraint values for " + std::to_string(options_.constraint_thresholds.size()) +
                 " constraints at " + format_point(point)};
  }
  bool feasible = true;
  for (size_t k = 0; k < constraints.size(); ++k) {
    if (!std::isfinite(constraints[k])) {
      return Error{"Bayesian optimiser: observation rejected: constraint " + std::to_string(k) +
                   " is " + describe_value(constraints[k]) + " at " + format_point(point)};
    }
    feasible = feasible && constraints[k] <= options_.constraint_thresholds[k];
  }

  observations_.push_back({point, objective, constraints, feasible});
  if (feasible && (!best_index_ || internal_objective(objective) <
                                       internal_objective(observations_[*best_index_].objective))) {
    best_index_ = observations_.size() - 1;
  }
  if (observer_) {
    ObservationRecord record;
    record.index = int(observations_.size()) - 1;
    record.point.assign(point.data(), point.data() + point.size());
    record.objective = objective;
    record.constraints = constraints;
    record.feasible = feasible;
    record.has_feasible = best_index_.has_value();
    if (best_index_) record.best_objective = observations_[*best_index_].objective;
    observer_->on_observation(record);
  }
  return {};
}

std::optional<Observation> BayesianOptimizer::best() const {
  if (!best_index_) return std::nullopt;
  return observations_[*best_index_];
}

OptimizerProgress BayesianOptimizer::progress() const {
  OptimizerProgress progress;
  progress.evaluations = int(observations_.size());
  progress.has_feasible = best_index_.has_value();
  if (best_index_) progress.best_objective = observations_[*best_index_].objective;
  progress.last_acquisition = last_acquisition_;
  progress.last_acquisition_is_improvement = last_acquisition_is_improvement_;
  return progress;
}

}  // namespace afbs::tuning

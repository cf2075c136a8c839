#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "core/common/result.h"
#include "core/tuning/acquisition.h"
#include "core/tuning/acquisition_optimizer.h"
#include "core/tuning/box_domain.h"
#include "core/tuning/gaussian_process.h"
#include "core/tuning/hyperparameter_fit.h"
#include "core/tuning/kernel.h"
#include "core/tuning/optimizer_observer.h"
#include "core/tuning/optimizer_progress.h"

namespace afbs::tuning {

enum class Goal { Minimize, Maximize };

struct BayesianOptimizerOptions {
  Goal goal = Goal::Minimize;
  // One per constraint: an observation is feasible when g_k(x) <= constraint_thresholds[k].
  std::vector<double> constraint_thresholds;
  // Scrambled Sobol points asked before the model takes over; -1 means 2 d + 2.
  int initial_design_size = -1;
  // Points the caller wants evaluated first (caller's coordinates), before the Sobol design.
  std::vector<Eigen::VectorXd> extra_initial_points;
  std::uint64_t seed = 0;
  HyperparameterFit::Options hyperparameter_fit;
  // Every this many model-based asks the hyperparameter fit restarts from the defaults and
  // random points too; in between it only continues from the last fit (much cheaper).
  int hyperparameter_restart_interval = 5;
  AcquisitionOptimizer::Options acquisition_search;
};

// Bayesian optimisation of a black-box function on a box, as an ask/tell loop: ask() gives
// the next point to evaluate, tell() takes its result. One GP models the objective and one
// each constraint (Matérn-5/2 ARD by default); the next point maximises constrained expected
// improvement by default. Kernel, acquisition and observer are swappable at run time. The
// same seed and the same observations give the same sequence of points.
class BayesianOptimizer {
 public:
  // An error names the bad option (a thresholds or extra point that is not finite or
  // outside the box).
  static Result<BayesianOptimizer> create(const BoxDomain& box, BayesianOptimizerOptions options);

  // The prototype every model is built from; an error when its dimension is not the box's.
  Status set_kernel(std::unique_ptr<Kernel> kernel);
  void set_acquisition(std::unique_ptr<Acquisition> acquisition);
  // Not owned; must outlive its use here. nullptr detaches.
  void set_observer(OptimizerObserver* observer) { observer_ = observer; }

  // The next point to evaluate, in the box's coordinates.
  Result<Eigen::VectorXd> ask();
  // Records an evaluation. Rejects, leaving the state untouched, a point outside the box, a
  // wrong number of constraint values, and any NaN or infinite value (named in the error).
  Status tell(const Eigen::VectorXd& point, double objective,
              const std::vector<double>& constraints = {});

  const BoxDomain& box() const { return box_; }
  const BayesianOptimizerOptions& options() const { return options_; }
  const std::vector<Observation>& observations() const { return observations_; }
  // The best feasible observation so far, if any.
  std::optional<Observation> best() const;
  OptimizerProgress progress() const;

 private:
  BayesianOptimizer(const BoxDomain& box, BayesianOptimizerOptions options);
  Result<Eigen::VectorXd> ask_model();
  double internal_objective(double objective) const;  // to be minimised

  BoxDomain box_;
  BayesianOptimizerOptions options_;
  std::mt19937_64 rng_;
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<Acquisition> acquisition_;
  OptimizerObserver* observer_ = nullptr;

  std::deque<Eigen::VectorXd> pending_design_;  // caller's coordinates
  std::vector<Observation> observations_;
  std::optional<size_t> best_index_;
  std::optional<double> last_acquisition_;
  int model_asks_ = 0;
  bool last_acquisition_is_improvement_ = false;

  // Kept between asks so each fit starts from the last hyperparameters.
  std::optional<GaussianProcess> objective_model_;
  std::vector<GaussianProcess> constraint_models_;
};

}  // namespace afbs::tuning

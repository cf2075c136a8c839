#include "core/tuning/acquisition_optimizer.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/tuning/sobol_sequence.h"

namespace afbs::tuning {

namespace {

AcquisitionMaximum compass_search(const Acquisition& acquisition, const AcquisitionContext& context,
                                  AcquisitionMaximum start, double initial_step, double final_step,
                                  int max_polls) {
  const Eigen::Index d = start.unit_point.size();
  Eigen::MatrixXd poll(2 * d, d);
  double step = initial_step;
  for (int round = 0; round < max_polls && step >= final_step; ++round) {
    for (Eigen::Index i = 0; i < d; ++i) {
      poll.row(2 * i) = start.unit_point.transpose();
      poll.row(2 * i + 1) = start.unit_point.transpose();
      poll(2 * i, i) = std::min(1.0, start.unit_point[i] + step);
      poll(2 * i + 1, i) = std::max(0.0, start.unit_point[i] - step);
    }
    const Eigen::VectorXd scores = acquisition.evaluate(context, poll);
    Eigen::Index best = 0;
    scores.maxCoeff(&best);
    if (scores[best] > start.value) {
      start.value = scores[best];
      start.unit_point = poll.row(best).transpose();
    } else {
      step *= 0.5;
    }
  }
  return start;
}

}  // namespace

AcquisitionMaximum AcquisitionOptimizer::maximize(const Acquisition& acquisition,
                                                  const AcquisitionContext& context,
                                                  const Eigen::VectorXd& incumbent_unit,
                                                  std::mt19937_64& rng) const {
  const int d = context.objective->dimension();
  const int local = incumbent_unit.size() == d ? options_.local_candidates : 0;
  Eigen::MatrixXd candidates(options_.sobol_candidates + local, d);
  candidates.topRows(options_.sobol_candidates) =
      space_filling_points(d, options_.sobol_candidates, rng);
  // Perturbations at three scales, so both nearby basins and fine polishing get candidates.
  std::normal_distribution<double> normal(0.0, 1.0);
  const double scales[] = {0.1, 0.01, 0.001};
  for (int i = 0; i < local; ++i) {
    for (int j = 0; j < d; ++j) {
      const double moved = incumbent_unit[j] + scales[i % 3] * normal(rng);
      candidates(options_.sobol_candidates + i, j) = std::clamp(moved, 0.0, 1.0);
    }
  }
  const Eigen::VectorXd scores = acquisition.evaluate(context, candidates);

  std::vector<Eigen::Index> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  const int starts = std::min<int>(options_.refine_starts, int(order.size()));
  std::partial_sort(order.begin(), order.begin() + starts, order.end(),
                    [&](Eigen::Index a, Eigen::Index b) { return scores[a] > scores[b]; });

  AcquisitionMaximum best{candidates.row(order[0]).transpose(), scores[order[0]]};
  for (int s = 0; s < starts; ++s) {
    AcquisitionMaximum refined = compass_search(
        acquisition, context, {candidates.row(order[s]).transpose(), scores[order[s]]},
        options_.initial_step, options_.final_step, options_.max_polls_per_start);
    if (refined.value > best.value) best = refined;
  }
  return best;
}

}  // namespace afbs::tuning

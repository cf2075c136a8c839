#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "core/common/result.h"

namespace afbs::tuning {

// The Sobol low-discrepancy sequence in [0, 1)^d, d <= kMaxDimension, 32-bit resolution
// (Bratley & Fox, ACM TOMS 14, 1988, Algorithm 659; primitive polynomials and initial
// direction numbers m_k from Joe & Kuo, SIAM J. Sci. Comput. 30, 2008, "new-joe-kuo-6").
// Optional scrambling by a random digital shift (each coordinate's bits XOR-ed with a fixed
// random word), which keeps the sequence's stratification (net) property.
class SobolSequence {
 public:
  static constexpr int kMaxDimension = 10;
  static constexpr int kBits = 32;

  // Unscrambled sequence; an error when dimension is outside [1, kMaxDimension].
  static Result<SobolSequence> create(int dimension);
  // Digitally shifted by words drawn from `rng`.
  static Result<SobolSequence> create_scrambled(int dimension, std::mt19937_64& rng);

  int dimension() const { return static_cast<int>(directions_.size()); }
  // Point number `index` (0-based), each coordinate (integer + 0.5) / 2^32 so never 0 or 1.
  Eigen::VectorXd point(std::uint32_t index) const;
  // `count` consecutive points from `first`, one per row.
  Eigen::MatrixXd points(std::uint32_t first, int count) const;

 private:
  explicit SobolSequence(int dimension);

  std::vector<std::array<std::uint32_t, kBits>> directions_;
  std::vector<std::uint32_t> shifts_;
};

// `count` points spread over the unit cube, one per row: scrambled Sobol points when the
// dimension allows, otherwise independent uniform points (both from `rng`).
Eigen::MatrixXd space_filling_points(int dimension, int count, std::mt19937_64& rng);

}  // namespace afbs::tuning

#include "core/tuning/sobol_sequence.h"

namespace afbs::tuning {

namespace {

// Dimensions 2..10: degree s of the primitive polynomial, its inner coefficients a (as bits),
// and the initial direction numbers m_1..m_s (odd, m_k < 2^k). Dimension 1 is the
// van der Corput sequence in base 2.
struct PrimitivePolynomial {
  int degree;
  std::uint32_t coefficients;
  std::array<std::uint32_t, 5> initial;
};

constexpr std::array<PrimitivePolynomial, SobolSequence::kMaxDimension - 1> kPolynomials = {{
    {1, 0, {1, 0, 0, 0, 0}},
    {2, 1, {1, 3, 0, 0, 0}},
    {3, 1, {1, 3, 1, 0, 0}},
    {3, 2, {1, 1, 1, 0, 0}},
    {4, 1, {1, 1, 3, 3, 0}},
    {4, 4, {1, 3, 5, 13, 0}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
}};

}  // namespace

SobolSequence::SobolSequence(int dimension) : directions_(dimension), shifts_(dimension, 0u) {
  // v_k = m_k / 2^k as 32-bit fractions; beyond the degree s, the recurrence
  // v_k = a_1 v_{k-1} ^ ... ^ a_{s-1} v_{k-s+1} ^ v_{k-s} ^ (v_{k-s} >> s).
  for (int k = 0; k < kBits; ++k)
    directions_[0][k] = 1u << (kBits - 1 - k);
  for (int j = 1; j < dimension; ++j) {
    const PrimitivePolynomial& polynomial = kPolynomials[j - 1];
    const int s = polynomial.degree;
    auto& v = directions_[j];
    for (int k = 0; k < s; ++k)
      v[k] = polynomial.initial[k] << (kBits - 1 - k);
    for (int k = s; k < kBits; ++k) {
      v[k] = v[k - s] ^ (v[k - s] >> s);
      for (int i = 1; i < s; ++i) {
        if ((polynomial.coefficients >> (s - 1 - i)) & 1u) v[k] ^= v[k - i];
      }
    }
  }
}

Result<SobolSequence> SobolSequence::create(int dimension) {
  if (dimension < 1 || dimension > kMaxDimension) {
    return Error{"Sobol sequence: dimension " + std::to_string(dimension) + " is outside [1, " +
                 std::to_string(kMaxDimension) + "]"};
  }
  return SobolSequence(dimension);
}

Result<SobolSequence> SobolSequence::create_scrambled(int dimension, std::mt19937_64& rng) {
  auto sequence = create(dimension);
  if (!sequence) return sequence;
  for (auto& shift : sequence->shifts_)
    shift = static_cast<std::uint32_t>(rng() >> 32);
  return sequence;
}

Eigen::VectorXd SobolSequence::point(std::uint32_t index) const {
  const std::uint32_t gray = index ^ (index >> 1);  // Gray-code order (Antonov & Saleev)
  Eigen::VectorXd result(dimension());
  for (int j = 0; j < dimension(); ++j) {
    std::uint32_t word = shifts_[j];
    for (int k = 0; k < kBits; ++k) {
      if ((gray >> k) & 1u) word ^= directions_[j][k];
    }
    result[j] = (double(word) + 0.5) / 4294967296.0;
  }
  return result;
}

Eigen::MatrixXd SobolSequence::points(std::uint32_t first, int count) const {
  Eigen::MatrixXd result(count, dimension());
  for (int i = 0; i < count; ++i)
    result.row(i) = point(first + std::uint32_t(i)).transpose();
  return result;
}

Eigen::MatrixXd space_filling_points(int dimension, int count, std::mt19937_64& rng) {
  if (dimension <= SobolSequence::kMaxDimension) {
    auto sequence = SobolSequence::create_scrambled(dimension, rng);
    if (sequence) return sequence->points(0, count);
  }
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Eigen::MatrixXd result(count, dimension);
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < dimension; ++j)
      result(i, j) = uniform(rng);
  }
  return result;
}

}  // namespace afbs::tuning

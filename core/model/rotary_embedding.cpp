#include "core/model/rotary_embedding.h"

#include <ATen/ATen.h>

#include <cmath>

namespace afbs {
namespace {

// transformers' _compute_llama3_parameters: long wavelengths are divided by `factor`,
// short ones kept, and the band between interpolated smoothly.
at::Tensor llama3_scaled(const at::Tensor& inv_freq, const RopeScaling& rope) {
  const double old_context = static_cast<double>(rope.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / rope.low_freq_factor;
  const double high_freq_wavelen = old_context / rope.high_freq_factor;
  at::Tensor wavelen = 2 * M_PI / inv_freq;
  at::Tensor scaled = at::where(wavelen > low_freq_wavelen, inv_freq / rope.factor, inv_freq);
  at::Tensor smooth = (old_context / wavelen - rope.low_freq_factor) /
                      (rope.high_freq_factor - rope.low_freq_factor);
  at::Tensor smoothed = (1 - smooth) * scaled / rope.factor + smooth * scaled;
  at::Tensor medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return at::where(medium, smoothed, scaled);
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config) {
  const int64_t dim = config.rotary_dim();  // head_dim unless partial_rotary_factor < 1
  at::Tensor exponents = at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(dim);
  inv_freq_ = 1.0 / at::pow(config.rope_theta, exponents);
  switch (config.rope_scaling.type) {
    case RopeScaling::Type::None:
      break;
    case RopeScaling::Type::Linear:
      inv_freq_ = inv_freq_ / config.rope_scaling.factor;
      break;
    case RopeScaling::Type::Llama3:
      inv_freq_ = llama3_scaled(inv_freq_, config.rope_scaling);
      break;
  }
  inv_freq_ = inv_freq_.to(at::kFloat).contiguous();
}

std::pair<at::Tensor, at::Tensor> RotaryEmbedding::cos_sin(int64_t length,
                                                           const at::Tensor& like) const {
  auto float_options = at::TensorOptions().dtype(at::kFloat).device(like.device());
  at::Tensor positions = at::arange(length, float_options);
  at::Tensor freqs = at::outer(positions, inv_freq_.to(like.device()));
  at::Tensor angles = at::cat({freqs, freqs}, -1);
  return {angles.cos().to(like.scalar_type()), angles.sin().to(like.scalar_type())};
}

at::Tensor RotaryEmbedding::apply(const at::Tensor& x, const at::Tensor& cos,
                                  const at::Tensor& sin) {
  const int64_t rotary = cos.size(-1), dim = x.size(-1);
  if (rotary < dim) {  // partial rotary (Phi-3): the last dimensions pass through unrotated
    return at::cat({apply(x.narrow(-1, 0, rotary), cos, sin), x.narrow(-1, rotary, dim - rotary)},
                   -1);
  }
  const int64_t half = dim / 2;
  at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

}  // namespace afbs

// Our CUDA kernels against the CPU reference, as a plain program (the GPU machine has no Qt).
// Masks: every row of every job equal to MaskPredictor's on the same fp32 inputs (a row may
// differ only where the reference's decision sits within fp32 rounding of θ, τ or a top
// fraction's cut: those are counted and bounded). Attention: relative L1 ‖O − O_ref‖₁/‖O_ref‖₁
// against the CPU reference run on the same dtype-rounded inputs (bf16 ≤ 1e-2, f16 ≤ 2e-3), dense
// mode against SDPA, the fused Σ|O − dense| against its own output, PV-skip decisions counted
// against the reference. Exit 0: all agree; 1: a mismatch (printed); 77: no CUDA device or no
// kernels in the build.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/cuda_attention.h"
#include "core/attention/mask_predictor.h"
#include "tests/attention/attention_test_inputs.h"

namespace {

using namespace afbs;

int failures = 0;

void fail(const std::string& what) {
  std::printf("MISMATCH %s\n", what.c_str());
  ++failures;
}

std::vector<HeadSetting> mask_settings() {
  std::vector<HeadSetting> settings{HeadSetting::dense()};
  for (double theta : {-1.0, 0.0, 0.1, 0.3, 0.6, 1.0}) {
    for (double tau : {0.0, 0.5, 0.9, 0.98, 0.999, 1.0}) {
      HeadSetting s;
      s.theta = theta;
      s.tau = tau;
      settings.push_back(s);
    }
  }
  for (double f : {0.05, 0.5, 1.0}) {
    HeadSetting s;
    s.rule = SelectionRule::top_fraction;
    s.rule_parameter = f;
    settings.push_back(s);
  }
  for (double w : {1.0, 200.0, 1000.0}) {
    HeadSetting s;
    s.rule = SelectionRule::sliding_window;
    s.rule_parameter = w;
    settings.push_back(s);
  }
  return settings;
}

struct Shape {
  int64_t length, block_q, block_k, query_heads, kv_heads, dim;
};

constexpr double kRounding = 1e-5;

// The columns on which two rows of `visible` columns disagree; nullopt if `got` holds a column
// outside the row.
std::optional<std::vector<int32_t>> differing_columns(int64_t visible,
                                                      std::span<const int32_t> expected,
                                                      std::span<const int32_t> got) {
  std::vector<uint8_t> in_expected(visible, 0), in_got(visible, 0);
  for (int32_t j : expected)
    in_expected[j] = 1;
  for (int32_t j : got) {
    if (j < 0 || j >= visible) return std::nullopt;
    in_got[j] = 1;
  }
  std::vector<int32_t> differ;
  for (int32_t j = 0; j < visible; ++j) {
    if (in_expected[j] != in_got[j]) differ.push_back(j);
  }
  return differ;
}

// Columns of row i by the reference's Ŝ, descending, ties to the lower column.
std::vector<int32_t> by_score(const MaskPredictor& cpu, int64_t head, int64_t i,
                              std::vector<int32_t> columns) {
  std::stable_sort(columns.begin(), columns.end(), [&](int32_t a, int32_t b) {
    return cpu.compressed_score(head, i, a) > cpu.compressed_score(head, i, b);
  });
  return columns;
}

// Whether every column on which the two rows disagree was decided within fp32 rounding of a
// threshold by the reference. Cumulative rule: Q or K coherence within kRounding of θ, or the
// column's cumulative share c_r / c_last (recomputed in fp64 from the reference's Ŝ) within
// kRounding of τ. Top fraction: the column's Ŝ within kRounding (relative) of the last kept
// column's, where the GPU's Ŝ (summed in another order) may rank two columns the other way.
bool within_rounding(const MaskPredictor& cpu, const HeadRequest& request, int64_t i,
                     std::span<const int32_t> expected, std::span<const int32_t> got) {
  const HeadSetting& s = request.setting;
  const int64_t head = request.head, kv = cpu.kv_head_of(head);
  const int64_t visible = cpu.geometry().visible_key_blocks(i);
  const auto differ = differing_columns(visible, expected, got);
  if (!differ) return false;
  if (s.rule == SelectionRule::top_fraction) {
    std::vector<int32_t> all(static_cast<size_t>(visible));
    std::iota(all.begin(), all.end(), 0);
    const std::vector<int32_t> order = by_score(cpu, head, i, all);
    const auto count = std::clamp<int64_t>(
        static_cast<int64_t>(std::ceil(s.rule_parameter * visible - 1e-9)), 1, visible);
    const double cut = cpu.compressed_score(head, i, order[count - 1]);
    for (int32_t j : *differ) {
      if (std::abs(cpu.compressed_score(head, i, j) - cut) >
          kRounding * std::max(1.0, std::abs(cut)))
        return false;
    }
    return true;
  }
  if (s.rule != SelectionRule::cumulative) return false;
  if (std::abs(cpu.query_coherence(head, i) - s.theta) <= kRounding) return true;
  std::vector<int32_t> coherent;
  for (int32_t j = 0; j < visible; ++j) {
    if (cpu.key_coherence(kv, j) > s.theta) coherent.push_back(j);
  }
  coherent = by_score(cpu, head, i, coherent);
  std::vector<double> share(static_cast<size_t>(visible), -1.0);
  double total = 0.0;
  for (int32_t j : coherent)
    total += std::exp(double(cpu.compressed_score(head, i, j)) -
                      double(cpu.compressed_score(head, i, coherent.front())));
  double running = 0.0;
  for (int32_t j : coherent) {
    running += std::exp(double(cpu.compressed_score(head, i, j)) -
                        double(cpu.compressed_score(head, i, coherent.front())));
    share[j] = running / total;
  }
  for (int32_t j : *differ) {
    const bool coherence_tie = std::abs(cpu.key_coherence(kv, j) - s.theta) <= kRounding;
    const bool tau_tie = share[j] >= 0.0 && std::abs(share[j] - s.tau) <= kRounding;
    if (!coherence_tie && !tau_tie) return false;
  }
  return true;
}

// What the mask check counts, per predictor mode.
struct MaskTally {
  int64_t rows = 0, borderline = 0;
};

// A predictor built without Ŝ (a layer of windows): its dense and window masks equal the
// prepared predictor's (`lut`, `counts` for `requests`), and a setting needing Ŝ is refused.
void check_masks_without_scores(const test::LocalSinkHeads& x, BlockShape shape,
                                SettingsPerHead mode, const std::vector<HeadRequest>& requests,
                                const at::Tensor& lut, const at::Tensor& counts) {
  auto shapeless = CudaMaskPredictor::build(x.q.cuda(), x.k.cuda(), shape, mode, false);
  if (!shapeless) return fail("predictor without scores: " + shapeless.error().message);
  std::vector<HeadRequest> geometric;
  std::vector<int64_t> index;
  for (size_t t = 0; t < requests.size(); ++t) {
    if (CudaMaskPredictor::needs_scores(requests[t].setting)) continue;
    geometric.push_back(requests[t]);
    index.push_back(static_cast<int64_t>(t));
  }
  auto masks = shapeless->predict(geometric);
  if (!masks) return fail("predict without scores: " + masks.error().message);
  const at::Tensor got_lut = masks->lut.cpu(), got_counts = masks->counts.cpu();
  for (size_t g = 0; g < geometric.size(); ++g) {
    const at::Tensor want_counts = counts[index[g]];
    if (!at::equal(got_counts[static_cast<int64_t>(g)], want_counts)) {
      return fail("mask without scores, job " + std::to_string(index[g]) + ": counts differ");
    }
    for (int64_t i = 0; i < want_counts.size(0); ++i) {
      const int64_t kept = want_counts[i].item<int64_t>();
      if (!at::equal(got_lut[static_cast<int64_t>(g)][i].narrow(0, 0, kept),
                     lut[index[g]][i].narrow(0, 0, kept))) {
        return fail("mask without scores, job " + std::to_string(index[g]) + " row " +
                    std::to_string(i) + " differs");
      }
    }
  }
  HeadSetting cumulative;
  if (shapeless->predict({{0, cumulative}})) fail("a cumulative setting without scores was served");
}

// Masks of every setting for every head, one launch, against the CPU predictor. `tied`: K is
// constant, so every Ŝ is 0 and each row's order is decided by the column alone.
void check_masks(const Shape& s, uint64_t seed, SettingsPerHead mode, bool tied, MaskTally& tally) {
  test::LocalSinkHeads x = test::local_sink_heads(s.query_heads, s.kv_heads, s.length, s.dim, seed);
  if (tied) x.k.fill_(0.5);
  const BlockShape shape{s.block_q, s.block_k};
  auto cpu = MaskPredictor::build(x.q, x.k, shape);
  auto gpu = CudaMaskPredictor::build(x.q.cuda(), x.k.cuda(), shape, mode);
  if (!cpu || !gpu) {
    fail("predictor build: " + (cpu ? gpu.error().message : cpu.error().message));
    return;
  }
  std::vector<HeadRequest> requests;
  for (const HeadSetting& setting : mask_settings()) {
    for (int h = 0; h < s.query_heads; ++h)
      requests.push_back({h, setting});
  }
  auto masks = gpu->predict(requests);
  if (!masks) return fail(masks.error().message);
  const at::Tensor lut = masks->lut.cpu(), counts = masks->counts.cpu();
  const int64_t nq = lut.size(1), nk = lut.size(2);
  const int32_t* l = lut.data_ptr<int32_t>();
  const int32_t* c = counts.data_ptr<int32_t>();
  for (size_t t = 0; t < requests.size(); ++t) {
    const BlockMask expected = cpu->predict(requests[t].head, requests[t].setting);
    for (int64_t i = 0; i < nq; ++i) {
      ++tally.rows;
      const auto row = expected.row(i);
      const int32_t* got = l + (t * nq + i) * nk;
      const int32_t got_count = c[t * nq + i];
      bool same = got_count == static_cast<int32_t>(row.size());
      for (int64_t r = 0; same && r < got_count; ++r)
        same = got[r] == row[r];
      if (same) continue;
      if (within_rounding(*cpu, requests[t], i, row, {got, got + got_count})) {
        ++tally.borderline;
        continue;
      }
      fail(std::string(mode == SettingsPerHead::one ? "searched" : "sorted") +
           (tied ? " tied" : "") + " mask n=" + std::to_string(s.length) + " " + shape.text() +
           " job " + std::to_string(t) + " row " + std::to_string(i) + ": " +
           std::to_string(got_count) + " kept, reference " + std::to_string(row.size()));
      return;
    }
  }
  check_masks_without_scores(x, shape, mode, requests, lut, counts);
}

double relative_l1(const at::Tensor& a, const at::Tensor& reference) {
  return (a.to(at::kDouble) - reference.to(at::kDouble)).abs().sum().item<double>() /
         reference.to(at::kDouble).abs().sum().item<double>();
}

// Attention with a predicted sparse mask and with PV-skip against the CPU reference.
void check_attention(const Shape& s, at::ScalarType dtype, uint64_t seed, int64_t& skip_kernel,
                     int64_t& skip_reference, int64_t& kept_total) {
  const test::LocalSinkHeads x =
      test::local_sink_heads(s.query_heads, s.kv_heads, s.length, s.dim, seed);
  const at::Tensor q = x.q.to(dtype), k = x.k.to(dtype), v = x.v.to(dtype);
  const at::Tensor q32 = q.to(at::kFloat), k32 = k.to(at::kFloat), v32 = v.to(at::kFloat);
  const BlockShape shape{s.block_q, s.block_k};
  auto cpu = MaskPredictor::build(q32, k32, shape);
  if (!cpu) return fail(cpu.error().message);
  const double tolerance = dtype == at::kBFloat16 ? 1e-2 : 2e-3;
  const std::string where =
      "attention n=" + std::to_string(s.length) + " " + shape.text() +
      " D=" + std::to_string(s.dim) + " Hq/Hkv=" + std::to_string(s.query_heads) + "/" +
      std::to_string(s.kv_heads) + (dtype == at::kBFloat16 ? " bf16" : " f16");

  // Each head at θ 0.3, τ 0.9, and λ off, 6 and 1 in turn.
  std::vector<HeadRequest> requests;
  std::vector<float> lambdas;
  for (float lambda : {50.0f, 6.0f, 1.0f}) {
    for (int h = 0; h < s.query_heads; ++h) {
      HeadSetting setting;
      setting.theta = 0.3;
      setting.tau = 0.9;
      setting.lambda = lambda;
      requests.push_back({h, setting});
      lambdas.push_back(lambda);
    }
  }
  const int64_t jobs = static_cast<int64_t>(requests.size());
  const BlockGeometry geometry(s.length, shape);
  const int64_t nq = geometry.query_blocks(), nk = geometry.key_blocks();
  at::Tensor lut = at::zeros({jobs, nq, nk}, at::kInt), counts = at::zeros({jobs, nq}, at::kInt);
  std::vector<BlockMask> masks;
  for (int64_t t = 0; t < jobs; ++t) {
    masks.push_back(cpu->predict(requests[t].head, requests[t].setting));
    for (int64_t i = 0; i < nq; ++i) {
      const auto row = masks.back().row(i);
      counts[t][i] = static_cast<int32_t>(row.size());
      for (size_t r = 0; r < row.size(); ++r)
        lut[t][i][static_cast<int64_t>(r)] = row[r];
    }
  }
  // The CPU reference: dense outputs, then each job with its mask and λ.
  const float scale = static_cast<float>(attention_score_scale(s.dim));
  const at::Tensor q_scaled = (q32 * scale).contiguous();
  const int64_t group = s.query_heads / s.kv_heads;
  const BlockMask full = BlockMask::full(geometry);
  at::Tensor dense = at::empty({s.query_heads, s.length, s.dim});
  std::vector<HeadAttentionJob> dense_jobs;
  for (int64_t h = 0; h < s.query_heads; ++h) {
    dense_jobs.push_back({q_scaled[h], k32[h / group], v32[h / group], &full, 50.0, dense[h], {}});
  }
  run_block_sparse_attention(dense_jobs);
  at::Tensor reference = at::empty({jobs, s.length, s.dim});
  std::vector<HeadAttentionJob> sparse_jobs;
  for (int64_t t = 0; t < jobs; ++t) {
    const int64_t h = requests[t].head;
    sparse_jobs.push_back({q_scaled[h], k32[h / group], v32[h / group], &masks[t], lambdas[t],
                           reference[t], dense[h]});
  }
  const std::vector<HeadAttentionTally> tallies = run_block_sparse_attention(sparse_jobs);

  const at::Tensor dense_gpu = dense.cuda();
  // Twice: every job (some with PV-skip), then the λ-off jobs alone (without PV-skip the
  // kernels may split a 128-row block over two CTAs, which sum Σ|O − dense| together).
  for (const int64_t job_count : {jobs, static_cast<int64_t>(s.query_heads)}) {
    KernelMasks kernel_masks{lut.narrow(0, 0, job_count).contiguous().cuda(),
                             counts.narrow(0, 0, job_count).contiguous().cuda()};
    KernelAttentionRequest request;
    request.q = q.cuda();
    request.k = k.cuda();
    request.v = v.cuda();
    request.blocks = shape;
    request.masks = &kernel_masks;
    for (int64_t t = 0; t < job_count; ++t) {
      request.heads.push_back(requests[t].head);
      request.lambdas.push_back(lambdas[t]);
    }
    request.dense = dense_gpu;
    request.output_f32 = true;
    auto result = run_kernel_attention(request);
    if (!result) return fail(where + ": " + result.error().message);
    const at::Tensor out32 = result->output_f32.cpu();
    const at::Tensor row_l1 = result->row_l1.cpu().sum(1);
    const at::Tensor row_skipped = result->row_skipped.cpu().sum(1);
    for (int64_t t = 0; t < job_count; ++t) {
      const int64_t h = requests[t].head;
      const double error = relative_l1(out32[t], reference[t]);
      if (!(error <= tolerance)) {
        fail(where + " job " + std::to_string(t) + " λ " + std::to_string(lambdas[t]) +
             ": relative L1 " + std::to_string(error));
      }
      const double fused = row_l1[t].item<double>();
      const double direct = (out32[t] - dense[h]).abs().sum().item<double>();
      if (std::abs(fused - direct) > 1e-4 * std::max(1.0, direct)) {
        fail(where + " job " + std::to_string(t) + ": fused Σ|O−dense| " + std::to_string(fused) +
             " vs " + std::to_string(direct));
      }
      if (job_count != jobs) continue;
      skip_kernel += row_skipped[t].item<int64_t>();
      skip_reference += tallies[t].skipped_blocks;
      kept_total += tallies[t].kept_blocks;
    }
  }
  if (std::getenv("AFBS_CHECK_SMALL")) return;  // cuDNN's SDPA trips racecheck: not ours
  const at::Tensor q_gpu = q.cuda(), k_gpu = k.cuda(), v_gpu = v.cuda();

  // Dense mode against SDPA (causal) on the same rounded inputs; output in dtype.
  KernelAttentionRequest dense_request;
  dense_request.q = q_gpu;
  dense_request.k = k_gpu;
  dense_request.v = v_gpu;
  dense_request.blocks = shape;
  auto dense_result = run_kernel_attention(dense_request);
  if (!dense_result) return fail(where + " dense: " + dense_result.error().message);
  const at::Tensor sdpa = at::scaled_dot_product_attention(
      q_gpu.unsqueeze(0), k_gpu.repeat_interleave(group, 0).unsqueeze(0),
      v_gpu.repeat_interleave(group, 0).unsqueeze(0), {}, 0.0, true);
  const double dense_error =
      relative_l1(dense_result->output.to(at::kFloat).cpu(), sdpa[0].to(at::kFloat).cpu());
  if (!(dense_error <= tolerance)) {
    fail(where + " dense mode vs SDPA: relative L1 " + std::to_string(dense_error));
  }
  std::printf("%-60s ok: dense vs SDPA %.2e\n", where.c_str(), dense_error);
}

}  // namespace

int main() {
  if (!cuda_kernels_compiled() || !at::hasCUDA()) {
    std::puts("no CUDA device or no kernels in this build: skipped");
    return 77;
  }
  std::vector<Shape> shapes{
      {640, 64, 64, 4, 4, 64},   {600, 64, 64, 4, 2, 64},    {450, 128, 64, 4, 1, 128},
      {450, 64, 128, 2, 2, 128}, {4096, 64, 64, 4, 2, 128},  {1000, 128, 64, 8, 2, 64},
      {2000, 64, 128, 4, 4, 64}, {3000, 128, 64, 4, 4, 128}, {2048, 64, 64, 8, 2, 64},
  };
  // For compute-sanitizer: one shape per kernel variant (one consumer warpgroup; two, with the
  // ping-pong turns and an odd number of kept blocks at the end of a pair).
  if (std::getenv("AFBS_CHECK_SMALL")) shapes = {shapes[1], shapes[2]};
  // Masks only (the CPU attention reference would take minutes): rows of 512 and 1016 key
  // blocks, the largest register sort and search.
  std::vector<Shape> long_shapes{{32768, 64, 64, 2, 1, 64}, {65000, 128, 64, 1, 1, 128}};
  if (std::getenv("AFBS_CHECK_SMALL")) long_shapes.clear();
  for (const auto& [mode, name] : {std::pair{SettingsPerHead::many, "sorted rows"},
                                   std::pair{SettingsPerHead::one, "searched rows"}}) {
    MaskTally tally;
    for (size_t n = 0; n < shapes.size(); ++n)
      check_masks(shapes[n], 100 + n, mode, false, tally);
    for (size_t n = 0; n < long_shapes.size(); ++n)
      check_masks(long_shapes[n], 150 + n, mode, false, tally);
    check_masks({4096, 64, 64, 2, 1, 64}, 170, mode, true, tally);
    std::printf(
        "masks (%s): %lld rows, %lld identical, %lld differ only in blocks the reference "
        "decided within %.0e of θ or τ\n",
        name, static_cast<long long>(tally.rows),
        static_cast<long long>(tally.rows - tally.borderline),
        static_cast<long long>(tally.borderline), kRounding);
    if (tally.borderline * 50 > tally.rows)
      fail("more than 2 % of mask rows differ at a threshold");
  }

  int64_t skip_kernel = 0, skip_reference = 0, kept = 0;
  for (at::ScalarType dtype : {at::kBFloat16, at::kHalf}) {
    for (size_t n = 0; n < shapes.size(); ++n)
      check_attention(shapes[n], dtype, 200 + n, skip_kernel, skip_reference, kept);
  }
  std::printf("PV-skip: kernel %lld, reference %lld skipped of %lld kept blocks\n",
              static_cast<long long>(skip_kernel), static_cast<long long>(skip_reference),
              static_cast<long long>(kept));
  if (skip_reference == 0) fail("the PV-skip rule never fired");
  if (std::abs(skip_kernel - skip_reference) * 100 > skip_reference) {
    fail("PV-skip decisions differ by more than 1 % of the reference's");
  }
  std::printf("%d mismatches\n", failures);
  return failures == 0 ? 0 : 1;
}

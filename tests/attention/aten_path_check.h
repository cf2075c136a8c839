#pragma once

// The whole-tensor ATen attention path against the CPU reference on one device: the QtTest
// suite runs it on the CPU, tests/gpu on a CUDA device (the GPU machine has no Qt). Same kept
// and skipped blocks, outputs within 2e-5, L1 differences within 1e-6 of Σ|O_dense|, over both
// a full and a sparse mask and λ from off to 0, each job alone and all in one batched call.

#include <ATen/ATen.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/block_sparse_attention_aten.h"
#include "core/attention/head_setting.h"
#include "tests/attention/attention_test_inputs.h"

namespace afbs::test {

// Sink, diagonal and every third other block.
inline BlockMask sparse_mask(const BlockGeometry& g) {
  BlockMask mask(g);
  for (int64_t i = 0; i < g.query_blocks(); ++i) {
    std::vector<int32_t> row;
    for (int64_t j = 0; j < g.visible_key_blocks(i); ++j) {
      if (j == 0 || j >= g.first_diagonal_block(i) || (i + j) % 3 == 0) row.push_back(int32_t(j));
    }
    mask.append_row(row);
  }
  return mask;
}

struct AtenPathCheck {
  int cases = 0;
  int64_t skipped_blocks = 0;         // over all cases: the PV-skip rule must have fired
  std::vector<std::string> failures;  // empty: every case agreed
};

inline AtenPathCheck check_aten_path(const at::Device& device, int64_t length, int64_t bq,
                                     int64_t bk) {
  AtenPathCheck check;
  const auto heads = local_sink_heads(2, 1, length, 64, 11);
  const BlockGeometry g(length, {bq, bk});
  const BlockMask masks[] = {BlockMask::full(g), sparse_mask(g)};
  const float scale = static_cast<float>(attention_score_scale(64));
  std::vector<HeadAttentionJob> references, atens;
  std::vector<std::string> names;
  for (const BlockMask& mask : masks) {
    for (double lambda : {kPvSkipOff, 8.0, 2.0, 0.5, 0.0}) {
      for (int h = 0; h < 2; ++h) {
        HeadAttentionJob reference;
        reference.q = (heads.q[h] * scale).contiguous();
        reference.k = heads.k[0].contiguous();
        reference.v = heads.v[0].contiguous();
        reference.mask = &mask;
        reference.lambda = lambda;
        reference.output = at::zeros_like(reference.q);
        reference.dense_reference =
            naive_attention(heads.q[h], heads.k[0], heads.v[0], at::ones({length, length}));
        HeadAttentionJob aten = reference;
        aten.q = reference.q.to(device);
        aten.k = reference.k.to(device);
        aten.v = reference.v.to(device);
        aten.output = at::zeros_like(aten.q);
        aten.dense_reference = reference.dense_reference.to(device);
        references.push_back(reference);
        atens.push_back(aten);
        names.push_back("n " + std::to_string(length) + ", " + g.shape().text() +
                        (&mask == &masks[0] ? " full" : " sparse") + ", λ " +
                        std::to_string(lambda) + ", head " + std::to_string(h));
      }
    }
  }
  const std::vector<HeadAttentionTally> expected = run_block_sparse_attention(references);
  // Each job alone, then all of them in one batched call (mixed masks and λ).
  std::vector<HeadAttentionTally> alone;
  std::vector<at::Tensor> alone_outputs;
  for (const HeadAttentionJob& job : atens) {
    alone.push_back(run_block_sparse_attention_aten({job})[0]);
    alone_outputs.push_back(job.output.clone());
  }
  const std::vector<HeadAttentionTally> batched = run_block_sparse_attention_aten(atens);
  for (size_t c = 0; c < atens.size(); ++c) {
    const double dense_l1 = references[c].dense_reference.abs().sum().item<double>();
    for (const auto& [how, got, output] : {std::tuple{"alone", alone[c], alone_outputs[c]},
                                           std::tuple{"batched", batched[c], atens[c].output}}) {
      ++check.cases;
      check.skipped_blocks += got.skipped_blocks;
      const float output_gap = (output.cpu() - references[c].output).abs().max().item<float>();
      std::string what;
      if (got.kept_blocks != expected[c].kept_blocks) what += " kept blocks differ;";
      if (got.skipped_blocks != expected[c].skipped_blocks) what += " skipped blocks differ;";
      if (!(output_gap < 2e-5f)) what += " outputs differ by " + std::to_string(output_gap) + ";";
      if (!(std::abs(got.l1_difference - expected[c].l1_difference) <= 1e-6 * dense_l1))
        what += " L1 differences disagree;";
      if (!what.empty()) check.failures.push_back(names[c] + " (" + how + "):" + what);
    }
  }
  return check;
}

}  // namespace afbs::test

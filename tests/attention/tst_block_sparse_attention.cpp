// The CPU block-sparse attention against naive fp64 attention, the PV-skip rule, and
// independence from batching (bit for bit) and thread count (within rounding).
#include <QtTest>

#include <ATen/Parallel.h>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/head_setting.h"
#include "tests/attention/aten_path_check.h"
#include "tests/attention/attention_test_inputs.h"

using afbs::BlockGeometry;
using afbs::BlockMask;
using afbs::HeadAttentionJob;

namespace {

HeadAttentionJob job_for(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const BlockMask& mask, double lambda, at::Tensor& output) {
  HeadAttentionJob job;
  job.q = (q * static_cast<float>(afbs::attention_score_scale(q.size(1)))).contiguous();
  job.k = k.contiguous();
  job.v = v.contiguous();
  job.mask = &mask;
  job.lambda = lambda;
  output = at::zeros_like(q);
  job.output = output;
  return job;
}

// Token-level keep matrix of a block mask.
at::Tensor token_keep(const BlockMask& mask) {
  const BlockGeometry& g = mask.geometry();
  at::Tensor keep = at::zeros({g.length(), g.length()}, at::kBool);
  for (int64_t i = 0; i < mask.rows(); ++i) {
    for (int32_t j : mask.row(i)) {
      keep.narrow(0, g.first_row(i), g.row_count(i))
          .narrow(1, g.first_key(j), g.key_count(j))
          .fill_(true);
    }
  }
  return keep;
}

float max_difference(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<float>();
}

}  // namespace

class TestBlockSparseAttention : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matches_naive_attention_data() {
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("bq");
    QTest::addColumn<int>("bk");
    QTest::newRow("64x64") << 512 << 64 << 64;
    QTest::newRow("64x64 partial") << 300 << 64 << 64;
    QTest::newRow("128x64 partial") << 450 << 128 << 64;
    QTest::newRow("64x128 partial") << 450 << 64 << 128;
  }
  void matches_naive_attention() {
    QFETCH(int, length);
    QFETCH(int, bq);
    QFETCH(int, bk);
    const auto heads = afbs::test::local_sink_heads(1, 1, length, 64, 3);
    const at::Tensor q = heads.q[0], k = heads.k[0], v = heads.v[0];
    const BlockGeometry g(length, {bq, bk});
    for (const BlockMask& mask : {BlockMask::full(g), afbs::test::sparse_mask(g)}) {
      at::Tensor output;
      const auto tallies =
          afbs::run_block_sparse_attention({job_for(q, k, v, mask, afbs::kPvSkipOff, output)});
      QCOMPARE(tallies[0].kept_blocks, mask.kept_blocks());
      QCOMPARE(tallies[0].skipped_blocks, int64_t{0});
      QVERIFY(max_difference(output, afbs::test::naive_attention(q, k, v, token_keep(mask))) <
              2e-5f);
    }
  }

  void pv_skip_by_hand() {
    // Queries 8·e0; keys of block 0 are 10·e0 (score 10, i.e. 14.4 in log2 units) and keys
    // of block 1 are 0: block 1 trails the running maximum by 14.4 on every row of query
    // block 1, so λ = 10 skips it (rows 64.. then average block 0 only) and λ = 20 does not.
    const int64_t n = 128;
    at::Tensor q = afbs::test::constant_queries(1, n)[0];
    at::Tensor k = at::zeros({n, 64});
    k.narrow(0, 0, 64).select(1, 0).fill_(10.0f);
    const at::Tensor v = at::randn({n, 64});
    const BlockMask mask = BlockMask::full(BlockGeometry(n, {64, 64}));
    at::Tensor skipped, computed;
    const auto with_skip =
        afbs::run_block_sparse_attention({job_for(q, k, v, mask, 10.0, skipped)});
    const auto without = afbs::run_block_sparse_attention({job_for(q, k, v, mask, 20.0, computed)});
    QCOMPARE(with_skip[0].skipped_blocks, int64_t{1});
    QCOMPARE(without[0].skipped_blocks, int64_t{0});
    const at::Tensor block0_mean = v.narrow(0, 0, 64).mean(0);
    QVERIFY(max_difference(skipped.narrow(0, 64, 64), block0_mean.expand({64, 64})) < 1e-5f);
    QVERIFY(max_difference(computed, afbs::test::naive_attention(q, k, v, at::ones({n, n}))) <
            1e-5f);
    QVERIFY(max_difference(skipped, computed) > 1e-6f);  // the skip changed something
  }

  void lambda_fifty_is_no_skipping() {
    const auto heads = afbs::test::local_sink_heads(1, 1, 1024, 64, 5);
    const BlockMask mask = BlockMask::full(BlockGeometry(1024, {64, 64}));
    at::Tensor off, almost_off, eager;
    afbs::run_block_sparse_attention(
        {job_for(heads.q[0], heads.k[0], heads.v[0], mask, 50.0, off)});
    const auto nearly = afbs::run_block_sparse_attention(
        {job_for(heads.q[0], heads.k[0], heads.v[0], mask, 49.99, almost_off)});
    const auto small = afbs::run_block_sparse_attention(
        {job_for(heads.q[0], heads.k[0], heads.v[0], mask, 0.5, eager)});
    QCOMPARE(nearly[0].skipped_blocks, int64_t{0});
    QVERIFY(at::equal(off, almost_off));
    QVERIFY(small[0].skipped_blocks > 0);  // the rule does fire on these heads
  }

  void independent_of_batching_and_threads() {
    const auto heads = afbs::test::local_sink_heads(4, 2, 640, 64, 9);
    const BlockGeometry g(640, {64, 64});
    const BlockMask masks[] = {BlockMask::full(g), afbs::test::sparse_mask(g)};
    std::vector<at::Tensor> together(4), alone(4), two_threads(4), one_thread(4);
    const int threads = at::get_num_threads();
    at::set_num_threads(2);
    std::vector<HeadAttentionJob> jobs;
    for (int h = 0; h < 4; ++h) {
      jobs.push_back(
          job_for(heads.q[h], heads.k[h / 2], heads.v[h / 2], masks[h % 2], h * 0.7, together[h]));
    }
    afbs::run_block_sparse_attention(jobs);
    for (int h = 0; h < 4; ++h) {
      afbs::run_block_sparse_attention(
          {job_for(heads.q[h], heads.k[h / 2], heads.v[h / 2], masks[h % 2], h * 0.7, alone[h])});
    }
    // Across thread counts only with the PV-skip off: a rounding difference may flip a skip
    // decision that sits on its boundary.
    for (int h = 0; h < 4; ++h) {
      afbs::run_block_sparse_attention({job_for(heads.q[h], heads.k[h / 2], heads.v[h / 2],
                                                masks[h % 2], afbs::kPvSkipOff, two_threads[h])});
    }
    at::set_num_threads(1);
    for (int h = 0; h < 4; ++h) {
      afbs::run_block_sparse_attention({job_for(heads.q[h], heads.k[h / 2], heads.v[h / 2],
                                                masks[h % 2], afbs::kPvSkipOff, one_thread[h])});
    }
    at::set_num_threads(threads);
    for (int h = 0; h < 4; ++h) {
      QVERIFY(at::equal(together[h], alone[h]));
      // OpenBLAS partitions a GEMM by the thread count, so another count may round
      // differently: equal within fp32 rounding, not bit for bit.
      QVERIFY(max_difference(two_threads[h], one_thread[h]) < 5e-5f);
    }
  }

  // The whole-tensor ATen path (the evaluator's GPU path) against the reference on the CPU;
  // tests/gpu runs the same check on a CUDA device.
  void aten_path_matches_the_reference_data() {
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("bq");
    QTest::addColumn<int>("bk");
    QTest::newRow("64x64") << 640 << 64 << 64;
    QTest::newRow("64x64 partial") << 600 << 64 << 64;
    QTest::newRow("128x64 partial") << 450 << 128 << 64;
    QTest::newRow("64x128 partial") << 450 << 64 << 128;
  }
  void aten_path_matches_the_reference() {
    QFETCH(int, length);
    QFETCH(int, bq);
    QFETCH(int, bk);
    const afbs::test::AtenPathCheck check =
        afbs::test::check_aten_path(at::Device(at::kCPU), length, bq, bk);
    QCOMPARE(check.cases, 40);  // 20 settings, alone and batched
    QVERIFY2(check.failures.empty(), check.failures.empty() ? "" : check.failures.front().c_str());
    QVERIFY(check.skipped_blocks > 0);  // the PV-skip rule was exercised
  }
};

QTEST_APPLESS_MAIN(TestBlockSparseAttention)
#include "tst_block_sparse_attention.moc"

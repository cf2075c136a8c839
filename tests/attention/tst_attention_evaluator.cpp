// The evaluator: exact dense limits, monotone τ, cache = recomputation, independence of
// batching and of the capture's length, counting, and refusals.
#include <QtTest>

#include "core/attention/attention_evaluator.h"
#include "core/attention/mask_predictor.h"
#include "tests/attention/attention_test_inputs.h"

using afbs::AttentionEvaluator;
using afbs::HeadMetrics;
using afbs::HeadRequest;
using afbs::HeadSetting;

namespace {

constexpr int kQueryHeads = 4;
constexpr int kKvHeads = 2;
constexpr int64_t kLength = 768;

HeadSetting setting(double theta, double tau, double lambda = 50.0) {
  HeadSetting s;
  s.theta = theta;
  s.tau = tau;
  s.lambda = lambda;
  return s;
}

void add_layer(AttentionEvaluator& evaluator, int64_t length = kLength, int window = 0) {
  const auto heads = afbs::test::local_sink_heads(kQueryHeads, kKvHeads, kLength, 64, 11 + window);
  QVERIFY(evaluator
              .add_capture(2, window, heads.q.narrow(1, 0, length), heads.k.narrow(1, 0, length),
                           heads.v.narrow(1, 0, length))
              .ok());
}

std::vector<HeadMetrics> evaluate(AttentionEvaluator& evaluator, int64_t length,
                                  const std::vector<HeadRequest>& requests, int window = 0) {
  auto metrics = evaluator.evaluate(2, window, length, requests);
  if (!metrics) qFatal("%s", metrics.error().message.c_str());
  return *metrics;
}

// A mixed batch: different heads, rules and thresholds, one head twice.
std::vector<HeadRequest> mixed_requests() {
  HeadSetting top;
  top.rule = afbs::SelectionRule::top_fraction;
  top.rule_parameter = 0.3;
  return {{0, setting(0.3, 0.9)},
          {1, setting(0.2, 0.7, 2.0)},
          {2, top},
          {3, setting(-1.0, 0.5, 0.5)},
          {0, setting(0.9, 0.95, 8.0)}};
}

bool same(const HeadMetrics& a, const HeadMetrics& b) {
  return a.sparsity == b.sparsity && a.error == b.error && a.skip_rate == b.skip_rate &&
         a.kept_blocks == b.kept_blocks && a.skipped_blocks == b.skipped_blocks;
}

}  // namespace

class TestAttentionEvaluator : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void dense_limits_are_exact_data() {
    QTest::addColumn<double>("theta");
    QTest::addColumn<double>("tau");
    QTest::newRow("theta 1") << 1.0 << 0.2;
    QTest::newRow("theta 2") << 2.0 << 0.0;
    QTest::newRow("tau 1") << 0.5 << 1.0;
    QTest::newRow("tau 1, theta -1") << -1.0 << 1.0;
  }
  void dense_limits_are_exact() {
    QFETCH(double, theta);
    QFETCH(double, tau);
    AttentionEvaluator evaluator;
    add_layer(evaluator);
    for (int64_t length : {kLength, int64_t{200}}) {
      for (const HeadMetrics& m :
           evaluate(evaluator, length, {{0, setting(theta, tau)}, {3, setting(theta, tau)}})) {
        QCOMPARE(m.error, 0.0);  // bit for bit: same routine, same blocks
        QCOMPARE(m.sparsity, 0.0);
        QCOMPARE(m.kept_blocks, m.causal_blocks);
      }
    }
  }

  void error_never_rises_with_tau() {
    AttentionEvaluator evaluator;
    add_layer(evaluator);
    const std::vector<double> taus{0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0};
    for (int head = 0; head < kQueryHeads; ++head) {
      std::vector<HeadRequest> requests;
      for (double tau : taus)
        requests.push_back({head, setting(0.3, tau)});
      const auto metrics = evaluate(evaluator, kLength, requests);
      for (size_t t = 1; t < metrics.size(); ++t) {
        QVERIFY2(metrics[t].error <= metrics[t - 1].error,
                 qPrintable(QString("head %1, tau %2").arg(head).arg(taus[t])));
        QVERIFY(metrics[t].sparsity <= metrics[t - 1].sparsity);
      }
      QVERIFY(metrics.front().sparsity > 0.3);  // the inputs are worth sparsifying
      QVERIFY(metrics.front().error > 0.0);
    }
  }

  void lambda_fifty_is_no_skipping() {
    AttentionEvaluator evaluator;
    add_layer(evaluator);
    const auto metrics = evaluate(
        evaluator, kLength,
        {{1, setting(0.3, 0.9, 50.0)}, {1, setting(0.3, 0.9, 49.0)}, {1, setting(1.0, 1.0, 0.0)}});
    QVERIFY(same(metrics[0], metrics[1]));
    QCOMPARE(metrics[0].skip_rate, 0.0);
    QVERIFY(metrics[2].skip_rate > 0.0);
    QVERIFY(metrics[2].error > 0.0);  // a dense mask, made inexact by the skip alone
  }

  void cache_equals_recomputation() {
    AttentionEvaluator cached;
    AttentionEvaluator recomputing({.blocks = {}, .cache = false});
    add_layer(cached);
    add_layer(recomputing);
    for (int64_t length : {int64_t{256}, int64_t{512}, kLength}) {
      const auto first = evaluate(cached, length, mixed_requests());
      const auto again = evaluate(cached, length, mixed_requests());  // served from the cache
      const auto fresh = evaluate(recomputing, length, mixed_requests());
      for (size_t n = 0; n < first.size(); ++n) {
        QVERIFY(same(first[n], again[n]));
        QVERIFY(same(first[n], fresh[n]));
      }
    }
  }

  void independent_of_batching_and_capture_length() {
    AttentionEvaluator evaluator;
    add_layer(evaluator);
    AttentionEvaluator short_capture;
    add_layer(short_capture, 512);  // the same tokens, captured at n_F = 512
    const auto requests = mixed_requests();
    const auto together = evaluate(evaluator, 512, requests);
    const auto truncated = evaluate(short_capture, 512, requests);
    for (size_t n = 0; n < requests.size(); ++n) {
      const auto alone = evaluate(evaluator, 512, {requests[n]});
      QVERIFY(same(together[n], alone[0]));
      QVERIFY(same(together[n], truncated[n]));
    }
  }

  void block_shapes_and_windows() {
    for (afbs::BlockShape shape : {afbs::BlockShape{128, 64}, afbs::BlockShape{64, 128}}) {
      AttentionEvaluator evaluator({.blocks = shape, .cache = true});
      add_layer(evaluator, kLength, 0);
      add_layer(evaluator, kLength, 1);
      const auto w0 = evaluate(evaluator, 600, {{0, setting(0.0, 0.8)}, {0, setting(1.0, 0.8)}}, 0);
      const auto w1 = evaluate(evaluator, 600, {{0, setting(0.0, 0.8)}}, 1);
      QVERIFY(w0[0].sparsity > 0.0);
      QCOMPARE(w0[1].error, 0.0);
      QVERIFY(w0[0].error != w1[0].error);  // windows are kept apart
    }
  }

  void counts_evaluations() {
    AttentionEvaluator evaluator;
    add_layer(evaluator);
    evaluate(evaluator, 256, mixed_requests());  // 5 at n = 256
    evaluate(evaluator, kLength, {{0, setting(0.6, 0.9)}});
    const afbs::EvaluationCounts counts = evaluator.counts();
    QCOMPARE(counts.evaluations, int64_t{6});
    QCOMPARE(counts.weighted(kLength), 5.0 * (256.0 / 768.0) * (256.0 / 768.0) + 1.0);
    evaluator.reset_counts();
    QCOMPARE(evaluator.counts().evaluations, int64_t{0});
  }

  void refuses_bad_requests() {
    AttentionEvaluator evaluator;
    add_layer(evaluator);
    QVERIFY(!evaluator.evaluate(3, 0, 256, {{0, setting(0.6, 0.9)}}).ok());  // no capture
    QVERIFY(!evaluator.evaluate(2, 0, 769, {{0, setting(0.6, 0.9)}}).ok());  // too long
    QVERIFY(!evaluator.evaluate(2, 0, 256, {{4, setting(0.6, 0.9)}}).ok());  // no head 4
    QVERIFY(!evaluator.evaluate(2, 0, 256, {{0, setting(0.6, std::nan(""))}}).ok());
    QVERIFY(!evaluator.evaluate(2, 0, 256, {{0, setting(0.6, 0.9, -1.0)}}).ok());
    at::Tensor q = at::randn({4, 128, 64});
    q[1][5][3] = std::numeric_limits<float>::quiet_NaN();
    const afbs::Status refused =
        evaluator.add_capture(1, 0, q, at::randn({2, 128, 64}), at::randn({2, 128, 64}));
    QVERIFY(!refused.ok());
    QVERIFY(QString::fromStdString(refused.error().message).contains("NaN"));
    QVERIFY(!evaluator
                 .add_capture(1, 0, at::randn({3, 128, 64}), at::randn({2, 128, 64}),
                              at::randn({2, 128, 64}))
                 .ok());
    evaluator.release_layer(2);
    QVERIFY(!evaluator.evaluate(2, 0, 256, {{0, setting(0.6, 0.9)}}).ok());
  }
};

QTEST_APPLESS_MAIN(TestAttentionEvaluator)
#include "tst_attention_evaluator.moc"

// The head inspector's picture (head_picture_builder.h) against the predictor and the
// attention it is drawn from: every block's role agrees with the mask and the PV-skip.
#include <QtTest>

#include <vector>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/head_picture_builder.h"
#include "core/attention/mask_predictor.h"
#include "tests/attention/attention_test_inputs.h"

using afbs::BlockRole;
using afbs::HeadPicture;
using afbs::HeadSetting;

namespace {

HeadSetting setting(double theta, double tau, double lambda) {
  HeadSetting s;
  s.theta = theta;
  s.tau = tau;
  s.lambda = lambda;
  return s;
}

HeadPicture picture(const afbs::test::LocalSinkHeads& heads, int64_t head, const HeadSetting& s,
                    int64_t length) {
  auto made = afbs::picture_head(heads.q, heads.k, heads.v, head, s, length);
  if (!made) qFatal("%s", made.error().message.c_str());
  return *made;
}

bool is_kept(BlockRole role) {
  return role != BlockRole::hidden && role != BlockRole::skipped;
}

}  // namespace

class TestHeadPicture : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void roles_agree_with_the_predictors_mask_data() {
    QTest::addColumn<int>("length");
    QTest::addColumn<double>("tau");
    QTest::newRow("full length, τ 0.9") << 512 << 0.9;
    QTest::newRow("a shorter rung, τ 0.5") << 256 << 0.5;
    QTest::newRow("a partial last block") << 300 << 0.7;
  }
  void roles_agree_with_the_predictors_mask() {
    QFETCH(int, length);
    QFETCH(double, tau);
    const auto heads = afbs::test::local_sink_heads(4, 2, 512, 64, 7);
    const HeadSetting s = setting(0.3, tau, afbs::kPvSkipOff);
    const HeadPicture shown = picture(heads, 3, s, length);

    auto predictor =
        afbs::MaskPredictor::build(heads.q.narrow(1, 0, length), heads.k.narrow(1, 0, length), {});
    QVERIFY(predictor.ok());
    const afbs::BlockMask mask = predictor->predict(3, s);
    const afbs::BlockGeometry& geometry = mask.geometry();
    QCOMPARE(shown.query_blocks, geometry.query_blocks());
    QCOMPARE(shown.key_blocks, geometry.key_blocks());
    QCOMPARE(shown.sparsity, mask.sparsity());
    int skipped = 0;
    for (int64_t i = 0; i < shown.query_blocks; ++i) {
      for (int64_t j = 0; j < shown.key_blocks; ++j) {
        const BlockRole role = shown.role(i, j);
        if (j >= geometry.visible_key_blocks(i)) {
          QCOMPARE(role, BlockRole::hidden);
          continue;
        }
        QCOMPARE(is_kept(role), mask.kept(i, j));
        if (j == 0 || j >= geometry.first_diagonal_block(i)) QCOMPARE(role, BlockRole::forced);
        if (role == BlockRole::skipped) ++skipped;
      }
    }
    QVERIFY2(skipped > 0, "the setting should leave blocks out, or the test shows nothing");
    QCOMPARE(shown.pv_skipped_blocks, 0);  // λ off
  }

  void pv_skipped_blocks_are_the_attentions() {
    const auto heads = afbs::test::local_sink_heads(2, 1, 512, 64, 11);
    const HeadSetting s = setting(0.3, 0.99, 1.0);
    const HeadPicture shown = picture(heads, 1, s, 512);

    auto predictor = afbs::MaskPredictor::build(heads.q, heads.k, {});
    QVERIFY(predictor.ok());
    const afbs::BlockMask mask = predictor->predict(1, s);
    afbs::HeadAttentionJob job;
    job.q = (heads.q[1] * static_cast<float>(afbs::attention_score_scale(64))).contiguous();
    job.k = heads.k[0].contiguous();
    job.v = heads.v[0].contiguous();
    job.mask = &mask;
    job.lambda = s.lambda;
    const int64_t expected = afbs::run_block_sparse_attention({job}).front().skipped_blocks;
    QVERIFY2(expected > 0, "λ 1 should skip some blocks on these heads");
    QCOMPARE(shown.pv_skipped_blocks, expected);
    int64_t drawn = 0;
    for (BlockRole role : shown.roles)
      drawn += role == BlockRole::pv_skipped ? 1 : 0;
    QCOMPARE(drawn, expected);
    for (int64_t i = 0; i < shown.query_blocks; ++i)
      QVERIFY(shown.role(i, 0) != BlockRole::pv_skipped);  // the first block is always computed
  }

  void incoherent_key_blocks_are_marked() {
    // Coherent keys whose blocks weigh 8, 1.5, 2, … except block 2, made incoherent: with τ 0
    // a row keeps its best block, the sink, the diagonal and block 2 (forced by θ).
    at::Tensor q = afbs::test::constant_queries(1, 512);
    at::Tensor k = afbs::test::weighted_keys({8, 1.5, 2, 3, 4, 5, 6, 7}, 64, 512);
    afbs::test::make_incoherent(k, 0, 2, 64);
    const at::Tensor v = at::randn({1, 512, 64});
    auto made = afbs::picture_head(q, k, v, 0, setting(0.5, 0.0, afbs::kPvSkipOff), 512);
    QVERIFY(made.ok());
    for (int64_t i = 3; i < 8; ++i)
      QCOMPARE(made->role(i, 2), BlockRole::kept_incoherent);
    QCOMPARE(made->role(7, 1), BlockRole::skipped);
  }

  void pooled_attention_rows_sum_to_one() {
    const auto heads = afbs::test::local_sink_heads(2, 2, 512, 64, 3);
    const HeadPicture shown = picture(heads, 0, setting(0.3, 0.9, afbs::kPvSkipOff), 512);
    for (int64_t i = 0; i < shown.query_blocks; ++i) {
      double total = 0.0;
      for (int64_t j = 0; j < shown.key_blocks; ++j) {
        total += shown.attention(i, j);
        if (shown.role(i, j) == BlockRole::hidden) QCOMPARE(shown.attention(i, j), 0.0f);
      }
      QVERIFY(std::abs(total - 1.0) < 1e-5);
    }
  }

  void bad_requests_name_what_is_wrong() {
    const auto heads = afbs::test::local_sink_heads(2, 1, 256, 64, 5);
    auto no_head = afbs::picture_head(heads.q, heads.k, heads.v, 2, setting(0.3, 0.9, 50), 256);
    QVERIFY(!no_head.ok());
    QVERIFY(no_head.error().message.find("2 query heads") != std::string::npos);
    auto too_long = afbs::picture_head(heads.q, heads.k, heads.v, 0, setting(0.3, 0.9, 50), 512);
    QVERIFY(!too_long.ok());
    QVERIFY(too_long.error().message.find("length 512") != std::string::npos);
    auto bad_tau = afbs::picture_head(heads.q, heads.k, heads.v, 0, setting(0.3, NAN, 50), 256);
    QVERIFY(!bad_tau.ok());
  }
};

QTEST_APPLESS_MAIN(TestHeadPicture)
#include "tst_head_picture.moc"

// Block masks on hand-built inputs whose answers are worked out by hand (see the comments).
#include <QtTest>

#include <limits>
#include <vector>

#include "core/attention/mask_predictor.h"
#include "core/attention/sparse_preset.h"
#include "tests/attention/attention_test_inputs.h"

using afbs::BlockGeometry;
using afbs::BlockShape;
using afbs::HeadSetting;
using afbs::MaskPredictor;
using Rows = std::vector<std::vector<int>>;

Q_DECLARE_METATYPE(Rows)
Q_DECLARE_METATYPE(std::vector<double>)

namespace {

HeadSetting cumulative(double theta, double tau) {
  HeadSetting setting;
  setting.theta = theta;
  setting.tau = tau;
  return setting;
}

Rows mask_rows(const afbs::BlockMask& mask) {
  Rows rows;
  for (int64_t i = 0; i < mask.rows(); ++i) {
    const auto row = mask.row(i);
    rows.emplace_back(row.begin(), row.end());
  }
  return rows;
}

MaskPredictor predictor(const at::Tensor& q, const at::Tensor& k, BlockShape shape = {}) {
  auto built = MaskPredictor::build(q, k, shape);
  if (!built) qFatal("%s", built.error().message.c_str());
  return std::move(*built);
}

// Key blocks weighted 1, 2, 8, 1, 4, 0.5: a row's compressed softmax is proportional to
// the weights of its visible blocks (constant queries; see attention_test_inputs.h).
const std::vector<double> kWeights{1, 2, 8, 1, 4, 0.5};

}  // namespace

class TestMaskPredictor : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void geometry_data() {
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("bq");
    QTest::addColumn<int>("bk");
    QTest::addColumn<int>("query_blocks");
    QTest::addColumn<int>("key_blocks");
    QTest::addColumn<int>("causal_blocks");
    QTest::newRow("64x64") << 384 << 64 << 64 << 6 << 6 << 21;
    QTest::newRow("64x64 partial") << 330 << 64 << 64 << 6 << 6 << 21;
    // rows end at 127, 255, 383, 511 → visible 2, 4, 6, 8
    QTest::newRow("128x64") << 512 << 128 << 64 << 4 << 8 << 20;
    QTest::newRow("128x64 partial") << 450 << 128 << 64 << 4 << 8 << 20;
    // rows end at 63, 127, …, 511 → visible 1, 1, 2, 2, 3, 3, 4, 4
    QTest::newRow("64x128") << 512 << 64 << 128 << 8 << 4 << 20;
  }
  void geometry() {
    QFETCH(int, length);
    QFETCH(int, bq);
    QFETCH(int, bk);
    const BlockGeometry geometry(length, {bq, bk});
    QFETCH(int, query_blocks);
    QCOMPARE(geometry.query_blocks(), int64_t{query_blocks});
    QFETCH(int, key_blocks);
    QFETCH(int, causal_blocks);
    QCOMPARE(geometry.key_blocks(), int64_t{key_blocks});
    QCOMPARE(geometry.causal_blocks(), int64_t{causal_blocks});
    // Diagonal blocks contain the row's own tokens; only they need token-level masking.
    for (int64_t i = 0; i < geometry.query_blocks(); ++i) {
      const int64_t first = geometry.first_diagonal_block(i);
      QVERIFY(geometry.first_key(first) <= geometry.first_row(i));
      QVERIFY(geometry.first_key(first) + geometry.key_count(first) > geometry.first_row(i));
      QCOMPARE(geometry.first_key(geometry.visible_key_blocks(i) - 1) <= geometry.last_row(i),
               true);
    }
  }

  void coherence() {
    at::Tensor q = afbs::test::constant_queries(1, 256);
    // Block 1 cycles through e1..e4: Σ units = 16(e1+e2+e3+e4), ‖·‖² = 1024, / 64² = 0.25.
    for (int64_t r = 0; r < 64; ++r) {
      q[0][64 + r].zero_();
      q[0][64 + r][1 + r % 4] = 3.0f;
    }
    afbs::test::make_incoherent(q, 0, 2, 64);  // ±100·e1 over 8·e0: cosines ≈ ±1 → ≈ 0
    at::Tensor k = afbs::test::weighted_keys({1, 2, 8, 1}, 64, 256 - 10);
    const MaskPredictor p = predictor(q.narrow(1, 0, 246), k);
    QCOMPARE(p.query_coherence(0, 0), 1.0f);  // identical rows
    QVERIFY(std::fabs(p.query_coherence(0, 1) - 0.25f) < 1e-6f);
    QVERIFY(p.query_coherence(0, 2) < 0.01f);
    // The partial last block (54 rows) is incoherent whatever it holds.
    QCOMPARE(p.query_coherence(0, 3), -std::numeric_limits<float>::infinity());
    QCOMPARE(p.key_coherence(0, 3), -std::numeric_limits<float>::infinity());
    // Smoothed keys (ln w − mean)·e0 are parallel inside a block.
    QCOMPARE(p.key_coherence(0, 1), 1.0f);
  }

  void smoothing_removes_a_shared_key() {
    // Every key the same vector: smoothing leaves zero rows, coherence 0, so at θ = 0.6
    // every key column is incoherent and forced: the mask is dense.
    at::Tensor q = afbs::test::constant_queries(1, 256);
    at::Tensor k = at::ones({1, 256, 64});
    const MaskPredictor p = predictor(q, k);
    QCOMPARE(p.key_coherence(0, 2), 0.0f);
    QCOMPARE(p.predict(0, cumulative(0.6, 0.1)).sparsity(), 0.0);
  }

  void cumulative_cut_data() {
    QTest::addColumn<double>("tau");
    QTest::addColumn<Rows>("expected");
    // Row i sees blocks 0..i. Row 5: weights 8(b2) 4(b4) 2(b1) 1(b0) 1(b3) .5(b5) of 16.5,
    // cumulative .485 .727 .848 .909 .970 1. Row 4: 8 4 2 1 1 of 16: .5 .75 .875 .9375 1.
    // Row 3: 8 2 1 1 of 12: .667 .833 …; row 2: 8 2 1 of 11: .727 .909 1.
    // Sink (0) and diagonal (i) are always kept.
    QTest::newRow("tau 0.5") << 0.5 << Rows{{0}, {0, 1}, {0, 2}, {0, 2, 3}, {0, 2, 4}, {0, 2, 5}};
    QTest::newRow("tau 0.8") << 0.8
                             << Rows{{0}, {0, 1}, {0, 2}, {0, 2, 3}, {0, 2, 4}, {0, 2, 4, 5}};
    QTest::newRow("tau 0.95") << 0.95 << Rows{{0},          {0, 1},       {0, 1, 2},
                                              {0, 1, 2, 3}, {0, 1, 2, 4}, {0, 1, 2, 4, 5}};
    QTest::newRow("tau 1") << 1.0 << Rows{{0},          {0, 1},          {0, 1, 2},
                                          {0, 1, 2, 3}, {0, 1, 2, 3, 4}, {0, 1, 2, 3, 4, 5}};
  }
  void cumulative_cut() {
    QFETCH(double, tau);
    QFETCH(Rows, expected);
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, 384),
                                      afbs::test::weighted_keys(kWeights, 64, 384));
    QCOMPARE(mask_rows(p.predict(0, cumulative(0.6, tau))), expected);
  }

  void incoherent_key_block_is_forced_and_left_out_of_softmax() {
    at::Tensor k = afbs::test::weighted_keys(kWeights, 64, 384);
    afbs::test::make_incoherent(k, 0, 3, 64);
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, 384), k);
    QVERIFY(p.key_coherence(0, 3) < 0.01f);
    // Without b3 row 5 is 8 4 2 1 .5 of 15.5: .516 .774 → at τ = 0.76 only b2 is cut in;
    // b3 is forced. (Had b3 stayed in the softmax, b4 would have been kept too: .727.)
    // Row 4: 8 4 2 1 of 15: .533 .8 → b2; row 3: 8 2 1 of 11 → b2.
    const Rows expected{{0}, {0, 1}, {0, 2}, {0, 2, 3}, {0, 2, 3, 4}, {0, 2, 3, 5}};
    QCOMPARE(mask_rows(p.predict(0, cumulative(0.6, 0.76))), expected);
    // θ below the block's coherence makes it coherent again: back in the softmax.
    QCOMPARE(mask_rows(p.predict(0, cumulative(-1.0, 0.76)))[5], (std::vector<int>{0, 2, 4, 5}));
  }

  void incoherent_query_block_keeps_its_row() {
    at::Tensor q = afbs::test::constant_queries(1, 384);
    afbs::test::make_incoherent(q, 0, 4, 64);
    const MaskPredictor p = predictor(q, afbs::test::weighted_keys(kWeights, 64, 384));
    const Rows rows = mask_rows(p.predict(0, cumulative(0.6, 0.5)));
    QCOMPARE(rows[4], (std::vector<int>{0, 1, 2, 3, 4}));
    QCOMPARE(rows[5], (std::vector<int>{0, 2, 5}));
  }

  void theta_one_or_more_is_dense_data() {
    QTest::addColumn<double>("theta");
    QTest::newRow("theta 1") << 1.0;
    QTest::newRow("theta 1.5") << 1.5;
  }
  void theta_one_or_more_is_dense() {
    QFETCH(double, theta);
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, 384),
                                      afbs::test::weighted_keys(kWeights, 64, 384));
    QCOMPARE(p.predict(0, cumulative(theta, 0.0)).sparsity(), 0.0);
    QVERIFY(p.predict(0, cumulative(0.6, 0.0)).sparsity() > 0.2);
  }

  void partial_last_block() {
    // n = 330: Q block 5 has 10 rows → incoherent → row 5 keeps all six blocks; K block 5
    // (10 keys) is incoherent and forced, out of the softmax; row 4 as in "tau 0.8".
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, 330),
                                      afbs::test::weighted_keys(kWeights, 64, 330));
    const Rows rows = mask_rows(p.predict(0, cumulative(0.6, 0.8)));
    QCOMPARE(rows[4], (std::vector<int>{0, 2, 4}));
    QCOMPARE(rows[5], (std::vector<int>{0, 1, 2, 3, 4, 5}));
  }

  void grouped_query_heads() {
    // Four query heads on two KV heads: heads 0, 1 read KV 0 (weights kWeights), heads 2, 3
    // read KV 1 (weights 1 8 1 2 1 1; row 5 of 14: b1 .571, b3 .714, b0 .786 …).
    at::Tensor k = at::cat({afbs::test::weighted_keys(kWeights, 64, 384),
                            afbs::test::weighted_keys({1, 8, 1, 2, 1, 1}, 64, 384)},
                           0);
    const MaskPredictor p = predictor(afbs::test::constant_queries(4, 384), k);
    QCOMPARE(p.kv_head_of(1), int64_t{0});
    QCOMPARE(p.kv_head_of(2), int64_t{1});
    QCOMPARE(mask_rows(p.predict(0, cumulative(0.6, 0.75)))[5], (std::vector<int>{0, 2, 4, 5}));
    QCOMPARE(p.predict(1, cumulative(1.0, 0.75)).sparsity(), 0.0);  // thresholds per head
    QCOMPARE(mask_rows(p.predict(2, cumulative(0.6, 0.75)))[5], (std::vector<int>{0, 1, 3, 5}));
    QCOMPARE(mask_rows(p.predict(3, cumulative(0.6, 0.5)))[5], (std::vector<int>{0, 1, 5}));
  }

  void block_shapes_data() {
    QTest::addColumn<int>("bq");
    QTest::addColumn<int>("bk");
    QTest::addColumn<double>("tau");
    QTest::addColumn<std::vector<double>>("weights");
    QTest::addColumn<Rows>("expected");
    // 128×64, n = 512: row i (rows 128i..) sees key blocks 0..2i+1, diagonal 2i, 2i+1.
    // Row 2: 8 4 2 1 .5 1 of 16.5 → b2 .485, b4 .727, b1 .848 > .8 → {2, 4} + 0 + {4, 5}.
    // Row 3: + 1 1 = 18.5 → b2 .432 b4 .649 b1 .757 b0 .811 > .8 → {1, 2, 4} + 0 + {6, 7}.
    QTest::newRow("128x64") << 128 << 64 << 0.8 << std::vector<double>{1, 2, 8, 1, 4, 0.5, 1, 1}
                            << Rows{{0, 1}, {0, 2, 3}, {0, 2, 4, 5}, {0, 1, 2, 4, 6, 7}};
    // 64×128, n = 512: row i (rows 64i..) sees key blocks 0..⌊(64i+63)/128⌋, diagonal
    // ⌊64i/128⌋. Weights 1 8 2 4: rows 4, 5 (1 8 2 of 11): b1 .727 → {0, 1, 2}; rows 6, 7
    // (of 15): b1 .533, b3 .8 > .7 → {0, 1, 3}.
    QTest::newRow("64x128") << 64 << 128 << 0.7 << std::vector<double>{1, 8, 2, 4}
                            << Rows{{0},       {0},       {0, 1},    {0, 1},
                                    {0, 1, 2}, {0, 1, 2}, {0, 1, 3}, {0, 1, 3}};
    QTest::newRow("64x64") << 64 << 64 << 0.8 << kWeights << Rows{};
  }
  void block_shapes() {
    QFETCH(int, bq);
    QFETCH(int, bk);
    QFETCH(double, tau);
    QFETCH(std::vector<double>, weights);
    QFETCH(Rows, expected);
    const int64_t length = bk * static_cast<int64_t>(weights.size());
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, length),
                                      afbs::test::weighted_keys(weights, bk, length), {bq, bk});
    if (expected.empty()) expected = {{0}, {0, 1}, {0, 2}, {0, 2, 3}, {0, 2, 4}, {0, 2, 4, 5}};
    QCOMPARE(mask_rows(p.predict(0, cumulative(0.6, tau))), expected);
  }

  void static_rules() {
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, 384),
                                      afbs::test::weighted_keys(kWeights, 64, 384));
    HeadSetting top;
    top.rule = afbs::SelectionRule::top_fraction;
    top.rule_parameter = 0.34;  // row 5: ⌈0.34·6⌉ = 3 → b2, b4, b1; + sink and diagonal
    QCOMPARE(mask_rows(p.predict(0, top))[5], (std::vector<int>{0, 1, 2, 4, 5}));
    HeadSetting window;
    window.rule = afbs::SelectionRule::sliding_window;
    window.rule_parameter = 65;  // row 5 (rows 320..): keys ≥ 256 → block 4; + sink, diagonal
    QCOMPARE(mask_rows(p.predict(0, window))[5], (std::vector<int>{0, 4, 5}));
    QCOMPARE(p.predict(0, HeadSetting::dense()).sparsity(), 0.0);
  }

  // The geometric formula the sliding-window baseline is sized with must agree with the
  // predictor's real masks, at odd lengths and shapes too.
  void window_sparsity_formula_matches_masks_data() {
    QTest::addColumn<int64_t>("length");
    QTest::addColumn<int64_t>("bq");
    QTest::addColumn<int64_t>("bk");
    QTest::newRow("1024, 64x64") << int64_t{1024} << int64_t{64} << int64_t{64};
    QTest::newRow("1000, 64x64, partial block") << int64_t{1000} << int64_t{64} << int64_t{64};
    QTest::newRow("1024, 128x64") << int64_t{1024} << int64_t{128} << int64_t{64};
    QTest::newRow("1024, 64x128") << int64_t{1024} << int64_t{64} << int64_t{128};
  }
  void window_sparsity_formula_matches_masks() {
    QFETCH(int64_t, length);
    QFETCH(int64_t, bq);
    QFETCH(int64_t, bk);
    const afbs::BlockShape shape{bq, bk};
    const std::vector<double> weights((length + bk - 1) / bk, 1.0);
    const MaskPredictor p = predictor(afbs::test::constant_queries(1, length),
                                      afbs::test::weighted_keys(weights, bk, length), shape);
    for (double window : {1.0, 65.0, 200.0, 512.0, static_cast<double>(length)}) {
      HeadSetting setting;
      setting.rule = afbs::SelectionRule::sliding_window;
      setting.rule_parameter = window;
      QCOMPARE(afbs::sliding_window_sparsity(length, shape, window),
               p.predict(0, setting).sparsity());
    }
    // The window sized for a target sparsity lands on the closest block multiple.
    const int64_t sized = afbs::window_tokens_for_sparsity(length, shape, 0.5);
    QCOMPARE(sized % bk, int64_t{0});
    const double at_sized = afbs::sliding_window_sparsity(length, shape, sized);
    for (int64_t other = bk; other <= length; other += bk) {
      QVERIFY(std::abs(at_sized - 0.5) <=
              std::abs(afbs::sliding_window_sparsity(length, shape, other) - 0.5));
    }
  }

  void presets_parse_to_head_settings() {
    QVERIFY(afbs::preset_head_setting("dense")->rule == afbs::SelectionRule::dense);
    const HeadSetting sparge = *afbs::preset_head_setting("sparge-default");
    QCOMPARE(sparge.theta, 0.6);
    QCOMPARE(sparge.tau, 0.98);
    QCOMPARE(sparge.lambda, 50.0);
    const HeadSetting top = *afbs::preset_head_setting("topk:0.5");
    QVERIFY(top.rule == afbs::SelectionRule::top_fraction);
    QCOMPARE(top.rule_parameter, 0.5);
    QCOMPARE(afbs::preset_head_setting("window:256")->rule_parameter, 256.0);
    for (const char* bad :
         {"topk:0", "topk:1.5", "window:0", "window:12.5", "window:x", "sparse"}) {
      auto parsed = afbs::preset_head_setting(bad);
      QVERIFY2(!parsed.ok(), bad);
      QVERIFY2(QString::fromStdString(parsed.error().message).contains("preset"), bad);
    }
  }

  void refuses_bad_shapes() {
    QVERIFY(!MaskPredictor::build(at::zeros({3, 64, 64}), at::zeros({2, 64, 64}), {}).ok());
    QVERIFY(!MaskPredictor::build(at::zeros({2, 64, 64}), at::zeros({2, 64, 64}), {32, 32}).ok());
  }
};

QTEST_APPLESS_MAIN(TestMaskPredictor)
#include "tst_mask_predictor.moc"

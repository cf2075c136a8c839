// The forward pass: chunked attention equals the full computation, capture records what
// the forward computes, and bad inputs are errors.
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/eval/perplexity.h"
#include "core/eval/qkv_capture.h"
#include "core/model/model.h"
#include "tiny_checkpoint.h"

using namespace afbs;
namespace fs = std::filesystem;

namespace {

// Causal attention with the whole score matrix, KV heads repeated: the textbook formula.
at::Tensor naive_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           int64_t window) {
  const int64_t group = q.size(1) / k.size(1), length = q.size(2);
  at::Tensor kr = k.repeat_interleave(group, 1), vr = v.repeat_interleave(group, 1);
  at::Tensor scores = at::matmul(q, kr.transpose(-1, -2)) / std::sqrt(double(q.size(3)));
  at::Tensor i = at::arange(length).unsqueeze(1), j = at::arange(length).unsqueeze(0);
  at::Tensor hidden = j > i;
  if (window > 0) hidden = hidden.logical_or(i - j >= window);
  scores = scores.masked_fill(hidden, -std::numeric_limits<double>::infinity());
  return at::matmul(at::softmax(scores, -1), vr);
}

std::unique_ptr<Model> tiny_model(const fs::path& dir, const ModelOptions& options = {},
                                  int64_t layers = 2) {
  test::TinySpec spec;
  spec.layers = layers;
  spec.context = 4096;
  test::write_tiny_model(dir, test::tiny_config(spec), test::tiny_weights(spec, 7));
  auto model = Model::load(dir, options);
  return model.ok() ? std::move(model.value()) : nullptr;
}

std::vector<int32_t> some_tokens(int64_t count, int64_t vocab = 64) {
  std::vector<int32_t> tokens;
  for (int64_t i = 0; i < count; ++i)
    tokens.push_back(static_cast<int32_t>((i * 37 + 11) % vocab));
  return tokens;
}

}  // namespace

class TestModelForward : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void denseAttentionMatchesFormula_data();
  void denseAttentionMatchesFormula();
  void chunkedLongForwardEqualsUnchunked();
  void captureEqualsRecomputation();
  void lowerFidelitiesArePrefixes();
  void scoredCaptureIsTheDensePerplexity();
  void badInputsAreErrors();
};

void TestModelForward::denseAttentionMatchesFormula_data() {
  QTest::addColumn<int>("heads");
  QTest::addColumn<int>("kvHeads");
  QTest::addColumn<int>("length");
  QTest::addColumn<qlonglong>("budget");
  QTest::addColumn<int>("window");
  QTest::newRow("MHA one chunk") << 4 << 4 << 37 << qlonglong(1LL << 30) << 0;
  QTest::newRow("GQA row by row") << 8 << 2 << 37 << qlonglong(1) << 0;
  QTest::newRow("GQA chunks of 5") << 8 << 2 << 37 << qlonglong(2 * 8 * 37 * 5) << 0;
  QTest::newRow("MQA sliding window") << 4 << 1 << 50 << qlonglong(2 * 4 * 50 * 7) << 9;
}

void TestModelForward::denseAttentionMatchesFormula() {
  QFETCH(int, heads);
  QFETCH(int, kvHeads);
  QFETCH(int, length);
  QFETCH(qlonglong, budget);
  QFETCH(int, window);
  at::manual_seed(11);
  at::Tensor q = at::randn({2, heads, length, 16});
  at::Tensor k = at::randn({2, kvHeads, length, 16});
  at::Tensor v = at::randn({2, kvHeads, length, 16});
  DenseAttention attention(budget, window);
  at::Tensor out = attention.attend(0, q, k, v);
  QCOMPARE(out.sizes().vec(), q.sizes().vec());
  QVERIFY(at::allclose(out, naive_attention(q, k, v, window), 1e-5, 1e-5));
}

void TestModelForward::chunkedLongForwardEqualsUnchunked() {
  QTemporaryDir tmp;
  auto chunked = tiny_model(tmp.path().toStdString(), {.max_attention_score_elements = 4 * 3000});
  QVERIFY(chunked);
  QCOMPARE(chunked->dense_attention().max_score_elements(), int64_t{4 * 3000});
  // The reference forms every head's whole L x L score matrix at once.
  struct Whole : LayerAttention {
    at::Tensor attend(int, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
      return naive_attention(q, k, v, 0);
    }
  } whole;
  const auto tokens = some_tokens(1500);
  at::Tensor x = *chunked->forward(tokens, &whole), y = *chunked->forward(tokens);
  QCOMPARE(y.size(1), int64_t{1500});
  QVERIFY(at::allclose(x, y, 1e-4, 1e-5));
}

void TestModelForward::captureEqualsRecomputation() {
  QTemporaryDir tmp;
  auto model = tiny_model(tmp.path().toStdString());
  QVERIFY(model);
  const auto tokens = some_tokens(40);
  CaptureAttention capture(2);
  at::Tensor plain = *model->forward(tokens);
  at::Tensor captured = *model->forward(tokens, &capture);
  QVERIFY(at::equal(plain, captured));  // capturing changes nothing
  const auto& layers = capture.layers();
  QCOMPARE(layers.size(), size_t{2});
  QCOMPARE(layers[1].q.sizes().vec(), (std::vector<int64_t>{1, 4, 40, 8}));
  QCOMPARE(layers[1].k.sizes().vec(), (std::vector<int64_t>{1, 2, 40, 8}));
  QCOMPARE(layers[1].v.scalar_type(), at::kFloat);
  // Recomputing attention from what was captured gives back the model's own output: an
  // attention that returns the naive result of the recorded Q/K/V changes no logit.
  struct Naive : LayerAttention {
    at::Tensor attend(int, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
      return naive_attention(q, k, v, 0);
    }
  } naive;
  QVERIFY(at::allclose(*model->forward(tokens, &naive), plain, 1e-4, 1e-5));
  // Model::capture is the same recording, with the same forward's final hidden states.
  auto direct = model->capture(model->token_tensor(tokens));
  QVERIFY(direct.ok());
  QVERIFY(at::equal(direct->layers[0].k, layers[0].k));
  QVERIFY(at::equal(direct->hidden, *model->hidden_states(model->token_tensor(tokens))));
}

void TestModelForward::lowerFidelitiesArePrefixes() {
  QTemporaryDir tmp;
  auto model = tiny_model(tmp.path().toStdString());
  QVERIFY(model);
  const auto stream = some_tokens(200);
  auto top = capture_windows(*model, stream, 64, {0, 2});
  QVERIFY(top.ok());
  QCOMPARE(top->size(), size_t{2});
  QCOMPARE((*top)[1].window, int64_t{2});
  QCOMPARE((*top)[1].q[0].sizes().vec(), (std::vector<int64_t>{4, 64, 8}));
  // Window 2 at length 64 starts at token 128; its first 16 positions are the capture of
  // those 16 tokens alone.
  std::vector<int32_t> short_stream(stream.begin() + 128, stream.begin() + 144);
  auto low = capture_windows(*model, short_stream, 16, {0});
  QVERIFY(low.ok());
  for (size_t layer = 0; layer < 2; ++layer) {
    QVERIFY(at::allclose((*top)[1].q[layer].narrow(1, 0, 16), (*low)[0].q[layer], 1e-5, 1e-5));
    QVERIFY(at::allclose((*top)[1].v[layer].narrow(1, 0, 16), (*low)[0].v[layer], 1e-5, 1e-5));
  }
  // Only the layers asked for are kept, and they equal the full capture's.
  auto only_second = capture_windows(*model, stream, 64, {0, 2}, {}, {}, {1});
  QVERIFY(only_second.ok());
  QVERIFY(!(*only_second)[1].q[0].defined());
  QVERIFY(!(*only_second)[1].v[0].defined());
  QVERIFY(at::equal((*only_second)[1].q[1], (*top)[1].q[1]));
  QVERIFY(at::equal((*only_second)[1].k[1], (*top)[1].k[1]));
  auto missing = capture_windows(*model, stream, 64, {3});
  QVERIFY(!missing.ok());
  QVERIFY(QString::fromStdString(missing.error().message).contains("window 3"));
}

// A scored capture's forward gives the windows' dense perplexity, bitwise what
// compute_perplexity gives one window per forward (the guard's way), so the guard's dense pass
// can be skipped; an unscored capture leaves nll_sum at 0.
void TestModelForward::scoredCaptureIsTheDensePerplexity() {
  QTemporaryDir tmp;
  auto model = tiny_model(tmp.path().toStdString());
  QVERIFY(model);
  const auto stream = some_tokens(200);
  auto scored = capture_windows(*model, stream, 64, {0, 1, 2}, {}, {}, {}, true);
  QVERIFY(scored.ok());
  double nll = 0.0;
  for (const WindowCapture& capture : *scored) {
    QVERIFY(capture.nll_sum > 0.0);
    nll += capture.nll_sum;
  }
  std::atomic<bool> never{false};
  PerplexityOptions options;
  options.window_tokens = 64;
  options.max_windows = 3;
  options.stop.cancel = &never;  // stoppable: one window per forward
  auto dense = compute_perplexity(*model, stream, options);
  QVERIFY(dense.ok());
  const double captured = windows_perplexity(nll, 3, 64);  // the sessions' way
  QVERIFY2(captured == dense->perplexity,
           qPrintable(QString::number(captured, 'g', 17) + " against " +
                      QString::number(dense->perplexity, 'g', 17)));
  auto unscored = capture_windows(*model, stream, 64, {0});
  QVERIFY(unscored.ok());
  QCOMPARE((*unscored)[0].nll_sum, 0.0);
}

void TestModelForward::badInputsAreErrors() {
  QTemporaryDir tmp;
  auto model = tiny_model(tmp.path().toStdString());
  QVERIFY(model);
  auto out_of_vocab = model->forward(std::vector<int32_t>{1, 2, 64});
  QVERIFY(!out_of_vocab.ok());
  QVERIFY(QString::fromStdString(out_of_vocab.error().message).contains("64"));
  auto too_long = model->forward(some_tokens(4097));
  QVERIFY(!too_long.ok());
  QVERIFY(QString::fromStdString(too_long.error().message).contains("max_position_embeddings"));
  auto bad_device = Model::load(tmp.path().toStdString(), {.device = "tpu"});
  QVERIFY(!bad_device.ok());
  QVERIFY(QString::fromStdString(bad_device.error().message).contains("--device"));
  auto bad_dtype = Model::load(tmp.path().toStdString(), {.dtype = "int8"});
  QVERIFY(!bad_dtype.ok());
  QVERIFY(QString::fromStdString(bad_dtype.error().message).contains("--dtype"));
}

QTEST_APPLESS_MAIN(TestModelForward)
#include "tst_model_forward.moc"

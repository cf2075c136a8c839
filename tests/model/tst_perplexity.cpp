// Perplexity as DESIGN.md §9 defines it.
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <filesystem>

#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "tiny_checkpoint.h"

using namespace afbs;
namespace fs = std::filesystem;

class TestPerplexity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void uniformLogitsGiveVocabularySize();
  void equalsMeanNllOfForwardLogits_data();
  void equalsMeanNllOfForwardLogits();
  void tooShortTextIsAnError();
  void batchShapesAreTheForwardsItMakes();
};

namespace {

std::vector<int32_t> text_tokens(int64_t count) {
  std::vector<int32_t> tokens;
  for (int64_t i = 0; i < count; ++i)
    tokens.push_back(static_cast<int32_t>((i * i + 3 * i) % 61 + 3));
  return tokens;
}

// The tiny model with weights of seed 9, written into `tmp` and loaded.
Result<std::unique_ptr<Model>> load_tiny_model(const QTemporaryDir& tmp) {
  test::TinySpec spec;
  test::write_tiny_model(tmp.path().toStdString(), test::tiny_config(spec),
                         test::tiny_weights(spec, 9));
  return Model::load(tmp.path().toStdString());
}

}  // namespace

void TestPerplexity::uniformLogitsGiveVocabularySize() {
  test::TinySpec spec;
  auto weights = test::tiny_weights(spec, 8);
  weights["lm_head.weight"].zero_();  // every logit 0: p = 1/V for every token
  QTemporaryDir tmp;
  test::write_tiny_model(tmp.path().toStdString(), test::tiny_config(spec), weights);
  auto model = Model::load(tmp.path().toStdString());
  QVERIFY(model.ok());
  std::vector<PerplexityProgress> reports;
  auto result =
      compute_perplexity(**model, text_tokens(100), {.window_tokens = 16, .batch_tokens = 32},
                         [&](const PerplexityProgress& p) { reports.push_back(p); });
  QVERIFY(result.ok());
  QCOMPARE(result->tokens, int64_t{100});
  QCOMPARE(result->windows, int64_t{6});  // 96 tokens used, a tail of 4 dropped
  QCOMPARE(result->predicted, int64_t{6 * 15});
  QVERIFY(std::abs(result->perplexity - 64.0) < 1e-5 * 64);  // float32 log-softmax
  QVERIFY(std::abs(result->nll - std::log(64.0)) < 1e-5);
  QCOMPARE(reports.size(), size_t{3});  // two windows per forward
  QCOMPARE(reports.back().windows_done, int64_t{6});
  QCOMPARE(reports.back().windows_total, int64_t{6});
}

void TestPerplexity::equalsMeanNllOfForwardLogits_data() {
  QTest::addColumn<bool>("bos");
  QTest::addColumn<int>("window");
  QTest::newRow("no BOS") << false << 10;
  QTest::newRow("BOS first") << true << 7;
}

// The same figure computed the long way: one forward per window, log-softmax of the
// logits, every position after the first scored.
void TestPerplexity::equalsMeanNllOfForwardLogits() {
  QFETCH(bool, bos);
  QFETCH(int, window);
  QTemporaryDir tmp;
  auto model = load_tiny_model(tmp);
  QVERIFY(model.ok());
  const auto tokens = text_tokens(45);
  PerplexityOptions options{.window_tokens = window, .prepend_bos = bos, .bos_id = 1};
  auto result = compute_perplexity(**model, tokens, options);
  QVERIFY(result.ok());
  const auto stream = perplexity_stream(tokens, options);
  QCOMPARE(stream.front(), bos ? 1 : tokens.front());
  const int64_t windows = static_cast<int64_t>(stream.size()) / window;
  QCOMPARE(result->windows, windows);
  double total = 0;
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<int32_t> slice(stream.begin() + w * window, stream.begin() + (w + 1) * window);
    at::Tensor log_probs = at::log_softmax((*(*model)->forward(slice))[0], -1);
    for (int64_t i = 0; i + 1 < window; ++i)
      total -= log_probs[i][slice[i + 1]].item<double>();
  }
  const double expected = total / double(windows * (window - 1));
  QVERIFY2(std::abs(result->nll - expected) < 1e-5, qPrintable(QString::number(result->nll)));
  QVERIFY(std::abs(result->perplexity - std::exp(expected)) < 1e-4 * std::exp(expected));
}

void TestPerplexity::tooShortTextIsAnError() {
  QTemporaryDir tmp;
  auto model = load_tiny_model(tmp);
  QVERIFY(model.ok());
  auto short_text = compute_perplexity(**model, text_tokens(5), {.window_tokens = 16});
  QVERIFY(!short_text.ok());
  QVERIFY(QString::fromStdString(short_text.error().message).contains("fewer than one window"));
  auto too_long = compute_perplexity(**model, text_tokens(5), {.window_tokens = 100000});
  QVERIFY(!too_long.ok());
  QVERIFY(QString::fromStdString(too_long.error().message).contains("context"));
}

// perplexity_batch_shapes (what `afbs-tune perplexity` warms up before timing) lists the window
// counts of the forwards compute_perplexity makes, each once.
void TestPerplexity::batchShapesAreTheForwardsItMakes() {
  QTemporaryDir tmp;
  auto model = load_tiny_model(tmp);
  QVERIFY(model.ok());
  const auto tokens = text_tokens(13 * 16 + 7);  // 13 windows of 16, and a partial one
  PerplexityOptions options{.window_tokens = 16, .batch_tokens = 8 * 16};
  std::vector<int64_t> forwards;
  int64_t done = 0;
  auto result = compute_perplexity(**model, tokens, options, [&](const PerplexityProgress& p) {
    forwards.push_back(p.windows_done - done);
    done = p.windows_done;
  });
  QVERIFY(result.ok());
  QCOMPARE(forwards, (std::vector<int64_t>{8, 5}));
  QCOMPARE(perplexity_batch_shapes(tokens, options), forwards);

  auto shapes = [&](PerplexityOptions changed) { return perplexity_batch_shapes(tokens, changed); };
  QCOMPARE(shapes({.window_tokens = 16, .max_windows = 10, .batch_tokens = 8 * 16}),
           (std::vector<int64_t>{8, 2}));
  QCOMPARE(shapes({.window_tokens = 16, .max_windows = 3, .batch_tokens = 8 * 16}),
           (std::vector<int64_t>{3}));
  QCOMPARE(shapes({.window_tokens = 16, .max_windows = 8, .batch_tokens = 4 * 16}),
           (std::vector<int64_t>{4}));
  QCOMPARE(shapes({.window_tokens = 16}), (std::vector<int64_t>{1}));  // one window a forward
  QVERIFY(shapes({.window_tokens = 1000}).empty());
}

QTEST_APPLESS_MAIN(TestPerplexity)
#include "tst_perplexity.moc"

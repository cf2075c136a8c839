// The families beyond Llama: Qwen3 (per-head q/k norms), Phi-3 (fused projections, partial
// rotary, sliding window), Gemma 2 (sandwich norms, (1 + w) norms, scaled embeddings, soft
// caps, alternating sliding layers, query_pre_attn_scalar). Each tiny random checkpoint's
// logits are compared with tests/model/reference_forward (float64, one query at a time).
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

#include "core/model/model.h"
#include "core/model/model_config.h"
#include "core/model/sparse_support.h"
#include "reference_forward.h"
#include "tiny_checkpoint.h"

using namespace afbs;
using nlohmann::json;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(json)

class TestModelFamilies : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void logitsMatchReference_data();
  void logitsMatchReference();
  void missingFamilyTensorIsNamed();
  void unknownArchitectureListsSupported();
  void layerWindows();
  void sparseSupport();
};

namespace {

test::TinySpec family_spec(const std::string& architecture, json extra) {
  test::TinySpec spec;
  spec.architecture = architecture;
  spec.layers = 3;
  spec.extra = std::move(extra);
  return spec;
}

}  // namespace

void TestModelFamilies::logitsMatchReference_data() {
  QTest::addColumn<QString>("architecture");
  QTest::addColumn<json>("extra");
  QTest::addColumn<bool>("tied");
  QTest::newRow("llama") << "LlamaForCausalLM" << json::object() << false;
  // head_dim 16 with 4 heads: q is 64 wide on a 32-wide model, as Qwen3's is.
  QTest::newRow("qwen3") << "Qwen3ForCausalLM" << json{{"head_dim", 16}} << true;
  QTest::newRow("qwen3 sliding upper layers") << "Qwen3ForCausalLM"
                                              << json{{"head_dim", 16},
                                                      {"use_sliding_window", true},
                                                      {"sliding_window", 5},
                                                      {"max_window_layers", 1}}
                                              << false;
  QTest::newRow("phi3") << "Phi3ForCausalLM"
                        << json{{"sliding_window", 6}, {"partial_rotary_factor", 0.5}} << false;
  QTest::newRow("gemma2") << "Gemma2ForCausalLM"
                          << json{{"head_dim", 16},
                                  {"query_pre_attn_scalar", 12},
                                  {"attn_logit_softcapping", 2.0},
                                  {"final_logit_softcapping", 3.0},
                                  {"sliding_window", 5},
                                  {"hidden_activation", "gelu_pytorch_tanh"}}
                          << true;
}

void TestModelFamilies::logitsMatchReference() {
  QFETCH(QString, architecture);
  QFETCH(json, extra);
  QFETCH(bool, tied);
  test::TinySpec spec = family_spec(architecture.toStdString(), extra);
  spec.tied = tied;
  QTemporaryDir tmp;
  const fs::path dir = tmp.path().toStdString();
  const json config = test::tiny_config(spec);
  const auto weights = test::tiny_weights(spec, 11);
  test::write_tiny_model(dir, config, weights);
  auto model = Model::load(dir);
  QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());

  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < 13; ++i)
    tokens.push_back((i * 37 + 5) % spec.vocab);
  at::Tensor ids = at::tensor(at::ArrayRef<int64_t>(tokens), at::kLong).unsqueeze(0);
  auto logits = (*model)->forward(ids);
  QVERIFY2(logits.ok(), logits.ok() ? "" : logits.error().message.c_str());
  at::Tensor ours = logits->squeeze(0).to(at::kDouble);
  at::Tensor reference = test::reference_logits(config, weights, tokens);
  QCOMPARE(ours.sizes().vec(), reference.sizes().vec());
  const double relative =
      (ours - reference).abs().max().item<double>() / reference.abs().max().item<double>();
  QVERIFY2(relative < 1e-5, QByteArray::number(relative));
  // The check bites: a model that ignored the family's quirk would be this far off.
  QVERIFY(reference.abs().max().item<double>() > 0.1);
}

// A Qwen3 checkpoint without its q_norm, a Phi-3 one with separate q/k/v: the error names the
// tensor the family needs.
void TestModelFamilies::missingFamilyTensorIsNamed() {
  for (const auto& [architecture, missing] :
       {std::pair{std::string("Qwen3ForCausalLM"),
                  std::string("model.layers.1.self_attn.q_norm.weight")},
        {"Phi3ForCausalLM", "model.layers.0.mlp.gate_up_proj.weight"},
        {"Gemma2ForCausalLM", "model.layers.2.post_feedforward_layernorm.weight"}}) {
    test::TinySpec spec = family_spec(architecture, json{{"head_dim", 8}});
    auto weights = test::tiny_weights(spec, 3);
    QVERIFY(weights.erase(missing) == 1);
    QTemporaryDir tmp;
    test::write_tiny_model(tmp.path().toStdString(), test::tiny_config(spec), weights);
    auto model = Model::load(tmp.path().toStdString());
    QVERIFY(!model.ok());
    QVERIFY2(model.error().message.find(missing) != std::string::npos,
             model.error().message.c_str());
  }
}

void TestModelFamilies::unknownArchitectureListsSupported() {
  test::TinySpec spec = family_spec("Gemma3ForCausalLM", json::object());
  auto parsed = parse_model_config(test::tiny_config(spec).dump(), "config.json");
  QVERIFY(!parsed.ok());
  const std::string& message = parsed.error().message;
  QVERIFY2(message.find("Gemma3ForCausalLM") != std::string::npos, message.c_str());
  for (const auto& name : supported_architectures()) {
    QVERIFY2(message.find(name) != std::string::npos, message.c_str());
  }
  QCOMPARE(supported_architectures().size(), size_t{6});
}

// Which layers slide: Gemma 2 alternates from layer 0; layer_types (transformers >= 4.53)
// wins over the family's rule; Qwen slides from max_window_layers on.
void TestModelFamilies::layerWindows() {
  auto windows = [](const std::string& architecture, json extra) {
    test::TinySpec spec = family_spec(architecture, std::move(extra));
    spec.layers = 4;
    auto parsed = parse_model_config(test::tiny_config(spec).dump(), "config.json");
    return parsed.ok() ? parsed->layer_windows : std::vector<int64_t>{-1};
  };
  QCOMPARE(windows("Gemma2ForCausalLM", json::object()), (std::vector<int64_t>{4096, 0, 4096, 0}));
  QCOMPARE(windows("Gemma2ForCausalLM", json{{"sliding_window", 64},
                                             {"layer_types",
                                              {"full_attention", "sliding_attention",
                                               "full_attention", "sliding_attention"}}}),
           (std::vector<int64_t>{0, 64, 0, 64}));
  QCOMPARE(windows("Phi3ForCausalLM", json{{"sliding_window", 2047}}),
           (std::vector<int64_t>{2047, 2047, 2047, 2047}));
  QCOMPARE(windows("Phi3ForCausalLM", json::object()), (std::vector<int64_t>{0, 0, 0, 0}));
  QCOMPARE(
      windows("Qwen3ForCausalLM",
              json{{"sliding_window", 32}, {"use_sliding_window", true}, {"max_window_layers", 2}}),
      (std::vector<int64_t>{0, 0, 32, 32}));
  QCOMPARE(windows("Qwen3ForCausalLM", json{{"sliding_window", 32}}),
           (std::vector<int64_t>{0, 0, 0, 0}));
  QCOMPARE(windows("Gemma2ForCausalLM", json{{"layer_types", json::array({"full_attention"})}}),
           std::vector<int64_t>{-1});
}

// Gemma 2's head size 256 and soft cap, and sliding windows shorter than the tuning length,
// are refused by name before any sparse run.
void TestModelFamilies::sparseSupport() {
  auto config_of = [](const std::string& architecture, json extra) {
    return *parse_model_config(
        test::tiny_config(family_spec(architecture, std::move(extra))).dump(), "config.json");
  };
  QVERIFY(sparse_attention_supported(config_of("LlamaForCausalLM", json::object()), 4096).ok());
  QVERIFY(sparse_attention_supported(config_of("Qwen3ForCausalLM", json{{"head_dim", 128}}), 4096)
              .ok());
  auto message = [](const Status& status) {
    return status.ok() ? std::string() : status.error().message;
  };
  const std::string head =
      message(sparse_attention_supported(config_of("Gemma2ForCausalLM", json::object()), 1024));
  QVERIFY2(head.find("head_dim 256") != std::string::npos, head.c_str());
  const std::string cap = message(sparse_attention_supported(
      config_of("Gemma2ForCausalLM", json{{"head_dim", 128}, {"attn_logit_softcapping", 50.0}}),
      1024));
  QVERIFY2(cap.find("attn_logit_softcapping") != std::string::npos, cap.c_str());
  const auto phi3 = config_of("Phi3ForCausalLM", json{{"sliding_window", 2047}});
  QVERIFY(sparse_attention_supported(phi3, 2047).ok());
  const std::string window = message(sparse_attention_supported(phi3, 4096));
  QVERIFY2(window.find("sliding_window 2047") != std::string::npos, window.c_str());
}

QTEST_APPLESS_MAIN(TestModelFamilies)
#include "tst_model_families.moc"

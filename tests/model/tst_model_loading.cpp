// Loading checkpoints: validation errors name the file and tensor; every supported
// configuration (GQA, tied embeddings, q/k/v bias, rope scaling, shards) loads and runs.
#include <ATen/ATen.h>

#include <sys/stat.h>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/model/model.h"
#include "core/model/model_config.h"
#include "tiny_checkpoint.h"

using namespace afbs;
namespace fs = std::filesystem;

class TestModelLoading : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void badCheckpoint_data();
  void badCheckpoint();
  void truncatedFile();
  void configurations_data();
  void configurations();
  void shardedEqualsSingleFile();
  void halfPrecisionCheckpoint_data();
  void halfPrecisionCheckpoint();
  void transformers5RopeKeys();
  void slidingWindowKeys();
  void floatWhereAnIntegerBelongs();
};

void TestModelLoading::badCheckpoint_data() {
  QTest::addColumn<QString>("fault");
  QTest::addColumn<QStringList>("mentions");
  QTest::newRow("missing tensor") << "missing"
                                  << QStringList{"model.safetensors",
                                                 "model.layers.1.mlp.up_proj.weight", "missing"};
  QTest::newRow("shape disagrees with config")
      << "shape"
      << QStringList{"model.safetensors", "model.layers.0.self_attn.k_proj.weight",
                     "config.json implies"};
  QTest::newRow("NaN weights") << "nan"
                               << QStringList{"model.safetensors", "model.norm.weight", "NaN"};
  QTest::newRow("integer dtype") << "dtype"
                                 << QStringList{"model.safetensors", "model.embed_tokens.weight",
                                                "I32"};
  QTest::newRow("unknown architecture")
      << "architecture" << QStringList{"config.json", "GPT2LMHeadModel"};
  QTest::newRow("no config") << "no-config" << QStringList{"config.json"};
  QTest::newRow("no weights") << "no-weights" << QStringList{"model.safetensors"};
  QTest::newRow("heads not divisible")
      << "heads" << QStringList{"config.json", "num_key_value_heads"};
  // Issue 15: each of these crashed, hung or gave a NaN perplexity with exit 0.
  QTest::newRow("Inf weights") << "inf"
                               << QStringList{"model.safetensors", "model.norm.weight", "infinite"};
  QTest::newRow("rope_scaling type a number")
      << "rope-type" << QStringList{"config.json", "rope_scaling 'type' is not a string"};
  QTest::newRow("num_hidden_layers huge")
      << "layers" << QStringList{"config.json", "num_hidden_layers is 1000000000000"};
  QTest::newRow("rope_theta zero") << "theta" << QStringList{"config.json", "rope_theta must be"};
  QTest::newRow("rms_norm_eps negative")
      << "eps" << QStringList{"config.json", "rms_norm_eps must be"};
  QTest::newRow("deep value under a key of the wrong type")
      << "deep" << QStringList{"config.json", "deeper than 64 levels"};
  QTest::newRow("config.json a FIFO") << "fifo" << QStringList{"config.json", "is a FIFO"};
  QTest::newRow("shard a FIFO") << "fifo-shard"
                                << QStringList{"model.safetensors", "not a regular file"};
  QTest::newRow("shard outside the folder")
      << "index-escape" << QStringList{"model.safetensors.index.json", "'../x.safetensors'"};
}

void TestModelLoading::badCheckpoint() {
  QFETCH(QString, fault);
  QFETCH(QStringList, mentions);
  QTemporaryDir tmp;
  const fs::path dir = tmp.path().toStdString();
  test::TinySpec spec;
  auto config = test::tiny_config(spec);
  auto weights = test::tiny_weights(spec, 1);
  if (fault == "missing") weights.erase("model.layers.1.mlp.up_proj.weight");
  if (fault == "shape") weights["model.layers.0.self_attn.k_proj.weight"] = at::zeros({8, 32});
  if (fault == "nan") weights["model.norm.weight"][3] = NAN;
  if (fault == "architecture") config["architectures"] = {"GPT2LMHeadModel"};
  if (fault == "heads") config["num_key_value_heads"] = 3;
  if (fault == "inf") weights["model.norm.weight"][3] = INFINITY;
  if (fault == "rope-type") config["rope_scaling"] = {{"type", 3}, {"factor", 2.0}};
  if (fault == "layers") config["num_hidden_layers"] = 1000000000000LL;
  if (fault == "theta") config["rope_theta"] = 0.0;
  if (fault == "eps") config["rms_norm_eps"] = -1e-6;
  test::write_tiny_model(dir, config, weights);
  if (fault == "dtype") {
    std::vector<SafetensorsTensorData> tensors;
    for (const auto& [name, tensor] : weights)
      tensors.push_back(test::to_safetensors(name, tensor));
    for (auto& tensor : tensors) {
      if (tensor.name == "model.embed_tokens.weight") tensor.dtype = SafetensorsDType::I32;
    }
    QVERIFY(write_safetensors(dir / "model.safetensors", tensors).ok());
  }
  if (fault == "no-config") fs::remove(dir / "config.json");
  if (fault == "no-weights") fs::remove(dir / "model.safetensors");
  if (fault == "deep") {
    config["hidden_act"] = "DEEP";
    std::string text = config.dump();
    text.replace(text.find("\"DEEP\""), 6, std::string(100000, '[') + std::string(100000, ']'));
    std::ofstream(dir / "config.json", std::ios::trunc) << text;
  }
  if (fault == "fifo") {
    fs::remove(dir / "config.json");
    QCOMPARE(::mkfifo((dir / "config.json").c_str(), 0600), 0);
  }
  if (fault == "fifo-shard") {
    fs::remove(dir / "model.safetensors");
    QCOMPARE(::mkfifo((dir / "model.safetensors").c_str(), 0600), 0);
  }
  if (fault == "index-escape") {
    fs::rename(dir / "model.safetensors", dir / "x.safetensors");
    std::ofstream(dir / "model.safetensors.index.json")
        << R"({"weight_map": {"model.norm.weight": "../x.safetensors"}})";
  }
  auto model = Model::load(dir);
  QVERIFY(!model.ok());
  for (const auto& mention : mentions) {
    QVERIFY2(QString::fromStdString(model.error().message).contains(mention),
             model.error().message.c_str());
  }
}

void TestModelLoading::truncatedFile() {
  QTemporaryDir tmp;
  const fs::path dir = tmp.path().toStdString();
  test::TinySpec spec;
  test::write_tiny_model(dir, test::tiny_config(spec), test::tiny_weights(spec, 2));
  const fs::path file = dir / "model.safetensors";
  fs::resize_file(file, fs::file_size(file) - 10);
  auto model = Model::load(dir);
  QVERIFY(!model.ok());
  const QString message = QString::fromStdString(model.error().message);
  QVERIFY2(message.contains("model.safetensors") && message.contains("truncated"),
           model.error().message.c_str());
  QVERIFY2(message.contains("tensor '"), model.error().message.c_str());
}

void TestModelLoading::configurations_data() {
  QTest::addColumn<QString>("architecture");
  QTest::addColumn<int>("kvHeads");
  QTest::addColumn<bool>("tied");
  QTest::addColumn<bool>("bias");
  QTest::addColumn<QString>("rope");
  QTest::newRow("llama GQA") << "LlamaForCausalLM" << 2 << false << false << "";
  QTest::newRow("llama MHA tied") << "LlamaForCausalLM" << 4 << true << false << "";
  QTest::newRow("llama attention_bias") << "LlamaForCausalLM" << 1 << false << true << "";
  QTest::newRow("llama3 rope")
      << "LlamaForCausalLM" << 2 << true << false
      << R"({"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":64})";
  QTest::newRow("linear rope") << "LlamaForCausalLM" << 2 << false << false
                               << R"({"type":"linear","factor":2.0})";
  QTest::newRow("mistral") << "MistralForCausalLM" << 2 << false << false << "";
  QTest::newRow("qwen2 bias tied") << "Qwen2ForCausalLM" << 2 << true << false << "";
}

void TestModelLoading::configurations() {
  QFETCH(QString, architecture);
  QFETCH(int, kvHeads);
  QFETCH(bool, tied);
  QFETCH(bool, bias);
  QFETCH(QString, rope);
  test::TinySpec spec;
  spec.architecture = architecture.toStdString();
  spec.kv_heads = kvHeads;
  spec.tied = tied;
  spec.attention_bias = bias;
  if (!rope.isEmpty()) spec.rope_scaling = nlohmann::json::parse(rope.toStdString());
  QTemporaryDir tmp;
  const fs::path dir = tmp.path().toStdString();
  auto weights = test::tiny_weights(spec, 3);
  const bool qkv_bias = bias || architecture == "Qwen2ForCausalLM";
  QCOMPARE(weights.count("model.layers.0.self_attn.q_proj.bias"), size_t(qkv_bias ? 1 : 0));
  QCOMPARE(weights.count("lm_head.weight"), size_t(tied ? 0 : 1));
  test::write_tiny_model(dir, test::tiny_config(spec), weights);
  auto model = Model::load(dir);
  QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
  QCOMPARE((*model)->config().num_kv_heads, int64_t(kvHeads));
  QCOMPARE((*model)->config().qkv_bias, qkv_bias);
  QCOMPARE((*model)->parameter_count(), [&] {
    int64_t n = 0;
    for (const auto& [name, tensor] : weights)
      n += tensor.numel();
    return n;
  }());
  auto logits = (*model)->forward(std::vector<int32_t>{1, 5, 9, 33, 63, 0, 7});
  QVERIFY2(logits.ok(), logits.ok() ? "" : logits.error().message.c_str());
  QCOMPARE(logits->sizes().vec(), (std::vector<int64_t>{1, 7, 64}));
  QVERIFY(at::isfinite(*logits).all().item<bool>());
  // Different rows see different prefixes: the logits are not constant along positions.
  QVERIFY(!at::allclose(logits->select(1, 0), logits->select(1, 6)));
}

void TestModelLoading::shardedEqualsSingleFile() {
  test::TinySpec spec;
  auto weights = test::tiny_weights(spec, 4);
  QTemporaryDir single, sharded;
  test::write_tiny_model(single.path().toStdString(), test::tiny_config(spec), weights);
  test::write_tiny_model(sharded.path().toStdString(), test::tiny_config(spec), weights,
                         SafetensorsDType::F32, 3);
  QVERIFY(fs::exists(fs::path(sharded.path().toStdString()) / "model.safetensors.index.json"));
  auto a = Model::load(single.path().toStdString());
  auto b = Model::load(sharded.path().toStdString());
  QVERIFY(a.ok());
  QVERIFY2(b.ok(), b.ok() ? "" : b.error().message.c_str());
  std::vector<int32_t> tokens{3, 1, 4, 1, 5, 9, 2, 6};
  QVERIFY(at::equal(*(*a)->forward(tokens), *(*b)->forward(tokens)));
}

void TestModelLoading::halfPrecisionCheckpoint_data() {
  QTest::addColumn<int>("dtype");
  QTest::newRow("bf16") << static_cast<int>(SafetensorsDType::BF16);
  QTest::newRow("f16") << static_cast<int>(SafetensorsDType::F16);
}

// A half-precision checkpoint read into f32 computes what an f32 checkpoint of the same
// (rounded) values computes, bit for bit.
void TestModelLoading::halfPrecisionCheckpoint() {
  QFETCH(int, dtype);
  const auto format = static_cast<SafetensorsDType>(dtype);
  const auto type = format == SafetensorsDType::BF16 ? at::kBFloat16 : at::kHalf;
  test::TinySpec spec;
  auto weights = test::tiny_weights(spec, 5);
  for (auto& [name, tensor] : weights)
    tensor = tensor.to(type).to(at::kFloat);
  QTemporaryDir half, full;
  test::write_tiny_model(half.path().toStdString(), test::tiny_config(spec), weights, format);
  test::write_tiny_model(full.path().toStdString(), test::tiny_config(spec), weights);
  auto a = Model::load(half.path().toStdString(), {.device = "cpu", .dtype = "f32"});
  auto b = Model::load(full.path().toStdString(), {.device = "cpu", .dtype = "f32"});
  QVERIFY(a.ok() && b.ok());
  std::vector<int32_t> tokens{3, 1, 4, 1, 5, 9, 2, 6};
  QVERIFY(at::equal(*(*a)->forward(tokens), *(*b)->forward(tokens)));
  // Computing in the checkpoint's own dtype stays close to f32.
  auto c =
      Model::load(half.path().toStdString(),
                  {.device = "cpu", .dtype = format == SafetensorsDType::BF16 ? "bf16" : "f16"});
  if (!c.ok() && format == SafetensorsDType::F16) {
    // Old libtorch computes no float16 matrix products on the CPU: a clear error instead.
    QVERIFY2(QString::fromStdString(c.error().message).contains("--dtype f16"),
             c.error().message.c_str());
    return;
  }
  QVERIFY2(c.ok(), c.ok() ? "" : c.error().message.c_str());
  QCOMPARE((*c)->dtype_name(), std::string(format == SafetensorsDType::BF16 ? "bf16" : "f16"));
  at::Tensor low = (*(*c)->forward(tokens)).to(at::kFloat);
  at::Tensor reference = *(*b)->forward(tokens);
  QVERIFY((low - reference).abs().max().item<double>() <
          0.1 * reference.abs().max().item<double>());
}

// transformers 5 writes rope_parameters instead of rope_theta / rope_scaling.
void TestModelLoading::transformers5RopeKeys() {
  test::TinySpec spec;
  auto config = test::tiny_config(spec);
  config.erase("rope_theta");
  config["rope_parameters"] = {{"rope_type", "llama3"},   {"rope_theta", 500000.0},
                               {"factor", 8.0},           {"low_freq_factor", 1.0},
                               {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
  auto parsed = parse_model_config(config.dump(), "config.json");
  QVERIFY(parsed.ok());
  QCOMPARE(parsed->rope_theta, 500000.0);
  QCOMPARE(parsed->rope_scaling.type, RopeScaling::Type::Llama3);
  QCOMPARE(parsed->rope_scaling.original_max_position_embeddings, int64_t{64});
}

// Mistral's sliding window: transformers' default 4096 when absent, none when null; Qwen2
// only with use_sliding_window.
void TestModelLoading::slidingWindowKeys() {
  test::TinySpec spec;
  spec.architecture = "MistralForCausalLM";
  auto config = test::tiny_config(spec);
  QCOMPARE(parse_model_config(config.dump(), "config.json")->sliding_window, int64_t{4096});
  config["sliding_window"] = nullptr;
  QCOMPARE(parse_model_config(config.dump(), "config.json")->sliding_window, int64_t{0});
  config["sliding_window"] = 128;
  QCOMPARE(parse_model_config(config.dump(), "config.json")->sliding_window, int64_t{128});
  config["architectures"] = {"Qwen2ForCausalLM"};
  QCOMPARE(parse_model_config(config.dump(), "config.json")->sliding_window, int64_t{0});
  config["use_sliding_window"] = true;
  QCOMPARE(parse_model_config(config.dump(), "config.json")->sliding_window, int64_t{128});
}

// A float for an integer key: a whole number in range is taken, anything else is the named
// key's wrong type (5e98 used to be cast, undefined behaviour the fuzzer found).
void TestModelLoading::floatWhereAnIntegerBelongs() {
  test::TinySpec spec;
  auto config = test::tiny_config(spec);
  config["max_position_embeddings"] = 128.0;
  auto parsed = parse_model_config(config.dump(), "config.json");
  QVERIFY(parsed.ok());
  QCOMPARE(parsed->max_position_embeddings, int64_t{128});
  for (const double bad : {5e98, 12.5, -1e300}) {
    config["max_position_embeddings"] = bad;
    auto refused = parse_model_config(config.dump(), "config.json");
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.find("max_position_embeddings") != std::string::npos,
             refused.error().message.c_str());
  }
}

QTEST_APPLESS_MAIN(TestModelLoading)
#include "tst_model_loading.moc"

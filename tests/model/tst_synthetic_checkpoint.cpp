// Synthetic checkpoints: the written folder loads as the named shape and runs a forward pass.
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/ATen.h>

#include <fstream>

#include "core/model/model.h"
#include "core/model/synthetic_checkpoint.h"

using namespace afbs;

class TestSyntheticCheckpoint : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void writes_a_loadable_sharded_model() {
    QTemporaryDir temp;
    const std::filesystem::path dir = temp.path().toStdString() + "/model";
    const std::filesystem::path tokenizer = temp.path().toStdString() + "/tokenizer.model";
    std::ofstream(tokenizer) << "not read by this test";
    auto shape = synthetic_shape("tiny-gqa");
    QVERIFY(shape.ok());
    int64_t shards_seen = 0;
    Status written = write_synthetic_checkpoint(
        *shape, dir, tokenizer, 3,
        [&](const SyntheticProgress& p) { shards_seen = p.shards_done; });
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
    QCOMPARE(shards_seen, shape->layers + 1);
    QVERIFY(std::filesystem::exists(dir / "model.safetensors.index.json"));
    QVERIFY(std::filesystem::exists(dir / "model-00003-of-00003.safetensors"));
    QVERIFY(std::filesystem::exists(dir / "tokenizer.model"));

    auto model = Model::load(dir);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    const ModelConfig& config = (*model)->config();
    QCOMPARE(config.num_layers, shape->layers);
    QCOMPARE(config.num_heads, shape->heads);
    QCOMPARE(config.num_kv_heads, shape->kv_heads);
    QCOMPARE(config.head_dim, shape->head_dim);
    auto logits = (*model)->forward(std::vector<int32_t>{1, 5, 9, 200, 17});
    QVERIFY(logits.ok());
    QCOMPARE(logits->size(-1), shape->vocab);
    QVERIFY(at::isfinite(*logits).all().item<bool>());
  }

  void refuses_a_folder_that_holds_a_model() {
    QTemporaryDir temp;
    const std::filesystem::path dir = temp.path().toStdString();
    std::ofstream(dir / "config.json") << "{}";
    auto shape = synthetic_shape("tiny-gqa");
    Status written = write_synthetic_checkpoint(*shape, dir, dir / "config.json", 0);
    QVERIFY(!written.ok());
    QVERIFY(written.error().message.find("already holds a config.json") != std::string::npos);
  }

  void refuses_an_unknown_device_before_writing() {
    QTemporaryDir temp;
    const std::filesystem::path dir = std::filesystem::path(temp.path().toStdString()) / "m";
    auto shape = synthetic_shape("tiny-gqa");
    Status written = write_synthetic_checkpoint(*shape, dir, dir / "tokenizer.model", 0, {}, "tpu");
    QVERIFY(!written.ok());
    QVERIFY2(written.error().message.find("tpu") != std::string::npos,
             written.error().message.c_str());
    QVERIFY(!std::filesystem::exists(dir));  // nothing written
  }

  void unknown_shape_names_the_known_ones() {
    auto shape = synthetic_shape("gpt5");
    QVERIFY(!shape.ok());
    QVERIFY(shape.error().message.find("llama3-8b") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestSyntheticCheckpoint)
#include "tst_synthetic_checkpoint.moc"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/io/config_file.h"
#include "core/io/spargeattn_file.h"

using namespace afbs;

namespace {

ModelIdentity small_model() {
  ModelIdentity model;
  model.name = "tiny";
  model.layers = 3;
  model.heads = 4;
  model.kv_heads = 2;
  model.head_dim = 64;
  return model;
}

SparseConfig varied_config() {
  SparseConfig config = SparseConfig::uniform(small_model(), HeadConfig{});
  for (size_t l = 0; l < config.layers.size(); ++l) {
    for (size_t h = 0; h < config.layers[l].size(); ++h) {
      HeadConfig& head = config.layers[l][h];
      head.theta = -0.5 + 0.125 * static_cast<double>(h);
      head.tau = 0.5 + 0.0625 * static_cast<double>(l + h);
      head.lambda = 10.0 + static_cast<double>(l);
      head.sparse = (l + h) % 3 != 0;
    }
  }
  return config;
}

}  // namespace

class TestSpargeAttnFile : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void native_to_spargeattn_to_native_keeps_every_head() {
    QTemporaryDir dir;
    const SparseConfig config = varied_config();
    const std::filesystem::path native = dir.filePath("cfg.json").toStdString();
    const std::filesystem::path pt = dir.filePath("cfg.pt").toStdString();
    QVERIFY(write_config(config, native).ok());
    auto reread = read_config(native);
    QVERIFY(reread.ok());
    auto written = write_spargeattn(*reread, pt);
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
    auto back = read_spargeattn(pt, small_model());
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    for (size_t l = 0; l < config.layers.size(); ++l) {
      for (size_t h = 0; h < config.layers[l].size(); ++h) {
        const HeadConfig& want = config.layers[l][h];
        const HeadConfig& got = back->layers[l][h];
        QCOMPARE(got.sparse, want.sparse);
        QCOMPARE(got.lambda, want.lambda);  // small integers: exact in float32
        // SpargeAttn stores a dense head as τ = θ = 1.
        QCOMPARE(got.tau, want.sparse ? want.tau : 1.0);
        QCOMPARE(got.theta, want.sparse ? want.theta : 1.0);
      }
    }
  }
  void refuses_a_file_for_another_model() {
    QTemporaryDir dir;
    const std::filesystem::path pt = dir.filePath("cfg.pt").toStdString();
    QVERIFY(write_spargeattn(varied_config(), pt).ok());
    ModelIdentity wider = small_model();
    wider.heads = 8;
    auto wrong_heads = read_spargeattn(pt, wider);
    QVERIFY(!wrong_heads.ok());
    QVERIFY(QString::fromStdString(wrong_heads.error().message).contains("expected [8]"));
    ModelIdentity deeper = small_model();
    deeper.layers = 4;
    auto wrong_layers = read_spargeattn(pt, deeper);
    QVERIFY(!wrong_layers.ok());
    QVERIFY(QString::fromStdString(wrong_layers.error().message)
                .contains("model.layers.3.self_attn.inner_attention.is_sparse"));
  }
  void refuses_garbage_and_static_rules_without_touching_files() {
    QTemporaryDir dir;
    const std::filesystem::path junk = dir.filePath("junk.pt").toStdString();
    std::ofstream(junk) << "not a zip archive";
    auto read = read_spargeattn(junk, small_model());
    QVERIFY(!read.ok());
    QVERIFY(QString::fromStdString(read.error().message).contains("junk.pt"));

    SparseConfig topk = varied_config();
    topk.rule = SelectionRule::top_fraction;
    topk.rule_parameter = 0.3;
    const std::filesystem::path out = dir.filePath("keep.pt").toStdString();
    std::ofstream(out) << "old";
    QVERIFY(!write_spargeattn(topk, out).ok());
    std::ifstream in(out);
    std::string kept;
    in >> kept;
    QCOMPARE(kept, std::string("old"));
  }
};

QTEST_APPLESS_MAIN(TestSpargeAttnFile)
#include "tst_spargeattn_file.moc"

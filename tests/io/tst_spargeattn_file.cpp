#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "core/io/config_file.h"
#include "core/io/spargeattn_file.h"
#include "tests/io/torch_file_builder.h"

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

// The tensors SpargeAttn saves for `model`, written as Python's torch.save writes them:
// is_sparse as Bool, the thresholds as Float; head h of layer l has τ = 0.5 + 0.01 (l + h).
// `module` names layer l's attention module (Llama's by default).
std::vector<test::TensorSpec> spargeattn_tensors(
    const ModelIdentity& model = small_model(),
    std::string (*module)(int64_t) = [](int64_t l) { return spargeattn_module(l); }) {
  std::vector<test::TensorSpec> tensors;
  int key = 0;
  for (int64_t l = 0; l < model.layers; ++l) {
    for (const char* name :
         {"is_sparse", "cdfthreshd", "simthreshd1", "simthreshd2", "pvthreshd"}) {
      test::TensorSpec t;
      t.name = module(l) + "." + name;
      t.key = std::to_string(key++);
      t.sizes = {model.heads};
      t.strides = {1};
      std::vector<float> values;
      for (int64_t h = 0; h < model.heads; ++h) {
        const std::string n = name;
        values.push_back(n == "cdfthreshd"    ? 0.5f + 0.01f * static_cast<float>(l + h)
                         : n == "simthreshd1" ? 0.25f
                         : n == "pvthreshd"   ? 20.0f
                                              : 0.0f);
      }
      if (std::string(name) == "is_sparse") {
        t.dtype = "Bool";
        t.element_bytes = 1;
        t.storage = std::string(static_cast<size_t>(model.heads), '\1');
      } else {
        t.storage = test::float_bytes(values);
      }
      tensors.push_back(t);
    }
  }
  return tensors;
}

// A pickle of one dict entry whose value is built by `value` (after proto, dict, mark, key).
template <class Build>
std::string one_entry_pickle(Build value) {
  test::PickleWriter p;
  p.proto().empty_dict().mark().str("x");
  value(p);
  p.setitems().stop();
  return p.bytes;
}

QString read_error(const std::string& bytes, const QString& file_name = "bad.pt") {
  QTemporaryDir dir;
  const std::filesystem::path path = dir.filePath(file_name).toStdString();
  std::ofstream(path, std::ios::binary) << bytes;
  auto read = read_spargeattn(path, small_model());
  if (read.ok()) return "read without an error";
  return QString::fromStdString(read.error().message);
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
  // The reader is our own allow-list state machine: every malformed case of issue 15 (each a
  // crash or a silent out-of-bounds read under libtorch's pickle_load) is a clear error.
  void reads_a_file_written_the_way_python_writes_it() {
    QTemporaryDir dir;
    const std::filesystem::path path = dir.filePath("python.pt").toStdString();
    std::ofstream(path, std::ios::binary) << test::torch_archive(spargeattn_tensors());
    auto read = read_spargeattn(path, small_model());
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->layers[2][3].tau, static_cast<double>(0.5f + 0.05f));
    QCOMPARE(read->layers[1][0].theta, 0.25);
    QCOMPARE(read->layers[0][2].lambda, 20.0);
    QVERIFY(read->layers[0][0].sparse);
  }
  // SpargeAttn saves its modules under the saving model's own names (CogVideoX:
  // transformer_blocks.<i>.attn1.processor.inner_attention); they are taken by layer index,
  // numerically (layer 10 after layer 9), whatever the order of the file's keys.
  void reads_modules_another_model_family_names() {
    ModelIdentity model = small_model();
    model.layers = 12;
    auto tensors = spargeattn_tensors(model, [](int64_t l) {
      return "transformer_blocks." + std::to_string(l) + ".attn1.processor.inner_attention";
    });
    std::reverse(tensors.begin(), tensors.end());
    QTemporaryDir dir;
    const std::filesystem::path path = dir.filePath("cogvideo.pt").toStdString();
    std::ofstream(path, std::ios::binary) << test::torch_archive(tensors);
    auto read = read_spargeattn(path, model);
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    for (int64_t l = 0; l < model.layers; ++l) {
      for (int64_t h = 0; h < model.heads; ++h) {
        QCOMPARE(read->layers[static_cast<size_t>(l)][static_cast<size_t>(h)].tau,
                 static_cast<double>(0.5f + 0.01f * static_cast<float>(l + h)));
      }
    }
    auto wrong_layers = read_spargeattn(path, small_model());
    QVERIFY(!wrong_layers.ok());
    QVERIFY2(QString::fromStdString(wrong_layers.error().message)
                 .contains("holds 12 attention modules (transformer_blocks.0.attn1"),
             wrong_layers.error().message.c_str());
  }
  void refuses_malformed_files_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    auto add = [](const char* name, const std::string& bytes, const char* expected) {
      QTest::newRow(name) << QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()))
                          << QString(expected);
    };
    auto archive = [](const std::string& pickle) { return test::torch_archive({}, pickle); };
    using test::PickleWriter;
    add("reduce on an empty stack", archive(PickleWriter().proto().reduce().stop().bytes),
        "REDUCE finds the stack empty");
    add("binpersid on an empty stack", archive(PickleWriter().proto().persid().stop().bytes),
        "BINPERSID finds the stack empty");
    add("tuple1 on an empty stack", archive(PickleWriter().proto().tuple1().stop().bytes),
        "TUPLE1/2/3 finds the stack empty");
    add("short tuple3", archive(PickleWriter().proto().integer(1).integer(2).tuple3().stop().bytes),
        "TUPLE1/2/3 finds the stack empty");
    add("tuple without mark", archive(PickleWriter().proto().integer(1).tuple().stop().bytes),
        "TUPLE has no MARK before it");
    {
      PickleWriter deep;
      deep.proto().empty_tuple();
      for (int i = 0; i < 100000; ++i)
        deep.tuple1();
      add("deeply nested tuples", archive(deep.stop().bytes), "nests tuples deeper than 32");
      PickleWriter marks;
      marks.proto();
      for (int i = 0; i < 100000; ++i)
        marks.mark();
      add("deeply nested marks", archive(marks.stop().bytes), "opens more than 32 MARKs");
    }
    auto tensors = spargeattn_tensors();
    {
      auto far = tensors;
      far[1].declared_numel = int64_t{1} << 40;  // far past its 16-byte record
      add("storage count far past its record", test::torch_archive(far),
          "holds 1099511627776 Float elements, but its record has 16 bytes");
      auto little = tensors;
      little[1].declared_numel = 5;  // one element past: once read silently out of bounds
      add("storage count a little past its record", test::torch_archive(little),
          "holds 5 Float elements, but its record has 16 bytes");
      auto view = tensors;
      view[1].sizes = {4};
      view[1].strides = {2};  // reaches element 6 of 4
      add("view past its storage", test::torch_archive(view), "reaches past its storage '1'");
      auto offset = tensors;
      offset[1].offset = 1;
      add("offset past its storage", test::torch_archive(offset), "at offset 1 that reaches past");
      auto overflow = tensors;
      overflow[1].sizes = {int64_t{1} << 62};
      overflow[1].strides = {int64_t{1} << 62};
      add("extent overflows", test::torch_archive(overflow), "reaches past its storage");
      auto nan = tensors;
      nan[6].storage =
          test::float_bytes({0.5f, std::numeric_limits<float>::quiet_NaN(), 0.5f, 0.5f});
      add("NaN tau", test::torch_archive(nan),
          "'model.layers.1.self_attn.inner_attention.cdfthreshd' holds nan for head 1");
      auto inf = tensors;
      inf[4].storage = test::float_bytes({0, 0, std::numeric_limits<float>::infinity(), 0});
      add("Inf lambda", test::torch_archive(inf), "holds inf for head 2, not a finite number");
      add("missing storage record",
          test::stored_zip({{"archive/data.pkl", one_entry_pickle([&](PickleWriter& p) {
                               test::push_tensor(p, tensors[1]);
                             })}}),
          "refers to storage '1', which the archive does not hold");
    }
    add("global outside the allow-list",
        archive(PickleWriter()
                    .proto()
                    .global("os", "system")
                    .str("true")
                    .tuple1()
                    .reduce()
                    .stop()
                    .bytes),
        "refers to os.system, which a file of tensors never needs");
    add("rebuild with a storage class",
        archive(PickleWriter()
                    .proto()
                    .global("torch", "FloatStorage")
                    .empty_tuple()
                    .reduce()
                    .stop()
                    .bytes),
        "calls a storage class");
    add("declared 4 GB string",
        archive(PickleWriter().proto().op('X').u32(0xffffffffu).stop().bytes),
        "runs past the end of data.pkl (wants 4294967295 bytes");
    add("unknown opcode", archive(PickleWriter().proto().op('i').stop().bytes), "has opcode 0x69");
    add("memo never put", archive(PickleWriter().proto().binget(7).stop().bytes),
        "gets memo entry 7, never put");
    add("no stop", archive(PickleWriter().proto().empty_dict().bytes),
        "runs past the end of data.pkl");
    add("not a dict", archive(PickleWriter().proto().integer(3).stop().bytes),
        "holds a int, not a dict of tensors");
    add("entry not a tensor", archive(one_entry_pickle([](PickleWriter& p) { p.integer(3); })),
        "entry 'x' is a int, not a tensor");
    add("wide integer", archive(PickleWriter().proto().op(0x8a).op(200).stop().bytes),
        "has an integer wider than 64 bits");
    {
      std::string compressed = test::torch_archive(tensors);
      compressed[8] = 8;  // the first local header's method: deflate
      compressed[compressed.find(std::string("PK\1\2", 4)) + 10] = 8;  // and its directory entry
      add("deflated entry (bomb)", compressed, "entry 'archive/data.pkl' is compressed (method 8)");
      std::string corrupt = test::torch_archive(tensors);
      corrupt[50] ^= 0x55;  // inside data.pkl (its local header and name take 46 bytes)
      add("crc mismatch", corrupt, "entry 'archive/data.pkl' is corrupt");
      std::string truncated = test::torch_archive(tensors);
      add("truncated", truncated.substr(0, truncated.size() / 2), "no end-of-central-directory");
    }
    add("empty", std::string(), "too short to be a zip file");
  }
  void refuses_malformed_files() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const QString error = read_error(bytes.toStdString());
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.contains("bad.pt"), qPrintable(error));
  }
  void refuses_what_is_not_a_regular_file() {
    QTemporaryDir dir;
    const std::string fifo = dir.filePath("fifo.pt").toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    auto from_fifo = read_spargeattn(fifo, small_model());
    QVERIFY(!from_fifo.ok());
    QVERIFY2(QString::fromStdString(from_fifo.error().message).contains("fifo.pt: is a FIFO"),
             from_fifo.error().message.c_str());
    auto from_device = read_spargeattn("/dev/zero", small_model());
    QVERIFY(!from_device.ok());
    QVERIFY(QString::fromStdString(from_device.error().message).contains("/dev/zero: is a device"));
  }
};

QTEST_APPLESS_MAIN(TestSpargeAttnFile)
#include "tst_spargeattn_file.moc"

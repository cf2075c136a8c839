// The safetensors reader on valid and hostile files made at test time.
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <filesystem>

#include "core/model/safetensors_file.h"
#include "core/model/safetensors_writer.h"
#include "tiny_checkpoint.h"

using namespace afbs;
namespace fs = std::filesystem;

class TestSafetensors : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void writtenFileReadsBack();
  void hostileHeader_data();
  void hostileHeader();
  void writerRefusesWrongByteCount();
  void halfPrecisionRoundTrip_data();
  void halfPrecisionRoundTrip();
};

void TestSafetensors::writtenFileReadsBack() {
  QTemporaryDir dir;
  const fs::path path = fs::path(dir.path().toStdString()) / "a.safetensors";
  at::Tensor first = at::arange(6, at::kFloat).view({2, 3});
  at::Tensor second = at::arange(4, at::kFloat) * -1.5;
  QVERIFY(write_safetensors(
              path, {test::to_safetensors("first", first), test::to_safetensors("second", second)},
              {{"format", "pt"}})
              .ok());
  auto file = SafetensorsFile::open(path);
  QVERIFY2(file.ok(), file.ok() ? "" : file.error().message.c_str());
  QCOMPARE(file->entries().size(), size_t{2});
  QCOMPARE(file->metadata().at("format"), std::string("pt"));
  const auto* entry = file->find("first");
  QVERIFY(entry);
  QCOMPARE(entry->shape, (std::vector<int64_t>{2, 3}));
  QCOMPARE(entry->dtype, SafetensorsDType::F32);
  QVERIFY(std::memcmp(file->data(*entry), first.data_ptr(), 24) == 0);
  const auto* other = file->find("second");
  QVERIFY(std::memcmp(file->data(*other), second.data_ptr(), 16) == 0);
  QVERIFY(!file->find("third"));
}

void TestSafetensors::hostileHeader_data() {
  QTest::addColumn<QString>("header");
  QTest::addColumn<int>("dataBytes");
  QTest::addColumn<qulonglong>("declaredLength");
  QTest::addColumn<QStringList>("mentions");
  const QString a16 = R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]})";
  QTest::newRow("header length past the end")
      << "{" + a16 + "}" << 16 << qulonglong(1)
      << QStringList{"bad.safetensors", "runs past the end"};
  QTest::newRow("header not JSON") << "{\"a\": [1, 2" << 0 << qulonglong(0)
                                   << QStringList{"bad.safetensors", "not a valid JSON"};
  QTest::newRow("offsets out of range")
      << "{" + a16 + "}" << 8 << qulonglong(0) << QStringList{"bad.safetensors", "'a'", "outside"};
  QTest::newRow("overlapping offsets")
      << "{" + a16 + R"(,"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})" << 24
      << qulonglong(0) << QStringList{"bad.safetensors", "'a'", "'b'", "overlap"};
  QTest::newRow("unsupported dtype")
      << R"({"a":{"dtype":"Q4_K","shape":[4],"data_offsets":[0,2]}})" << 2 << qulonglong(0)
      << QStringList{"bad.safetensors", "'a'", "unsupported dtype", "Q4_K"};
  QTest::newRow("shape disagrees with offsets")
      << R"({"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})" << 16 << qulonglong(0)
      << QStringList{"bad.safetensors", "'a'", "needs 20 bytes"};
  // Issue 15: 10^5 nested arrays once overflowed the stack (SIGSEGV).
  QTest::newRow("shape nested 1e5 deep")
      << R"({"a":{"dtype":"F32","shape":)" + QString(100000, '[') + QString(100000, ']') +
             R"(,"data_offsets":[0,16]}})"
      << 16 << qulonglong(0) << QStringList{"bad.safetensors", "deeper than 64 levels"};
  QTest::newRow("negative size") << R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})"
                                 << 16 << qulonglong(0)
                                 << QStringList{"bad.safetensors", "'a'", "shape"};
}

void TestSafetensors::hostileHeader() {
  QFETCH(QString, header);
  QFETCH(int, dataBytes);
  QFETCH(qulonglong, declaredLength);
  QFETCH(QStringList, mentions);
  QTemporaryDir dir;
  const fs::path path = fs::path(dir.path().toStdString()) / "bad.safetensors";
  const std::string text = header.toStdString();
  // A declared length of 1 stands for "a million bytes more than the file has".
  test::write_raw_safetensors(path, text, static_cast<size_t>(dataBytes),
                              declaredLength == 1 ? text.size() + 1000000 : declaredLength);
  auto file = SafetensorsFile::open(path);
  QVERIFY(!file.ok());
  for (const auto& mention : mentions) {
    QVERIFY2(QString::fromStdString(file.error().message).contains(mention),
             file.error().message.c_str());
  }
}

void TestSafetensors::writerRefusesWrongByteCount() {
  QTemporaryDir dir;
  const fs::path path = fs::path(dir.path().toStdString()) / "w.safetensors";
  SafetensorsTensorData bad{"x", SafetensorsDType::F32, {3}, std::vector<std::byte>(8)};
  auto status = write_safetensors(path, {bad});
  QVERIFY(!status.ok());
  QVERIFY(QString::fromStdString(status.error().message).contains("'x'"));
  QVERIFY(!fs::exists(path));
}

void TestSafetensors::halfPrecisionRoundTrip_data() {
  QTest::addColumn<int>("dtype");
  QTest::newRow("bf16") << static_cast<int>(SafetensorsDType::BF16);
  QTest::newRow("f16") << static_cast<int>(SafetensorsDType::F16);
}

void TestSafetensors::halfPrecisionRoundTrip() {
  QFETCH(int, dtype);
  const auto format = static_cast<SafetensorsDType>(dtype);
  const at::ScalarType type = format == SafetensorsDType::BF16 ? at::kBFloat16 : at::kHalf;
  QTemporaryDir dir;
  const fs::path path = fs::path(dir.path().toStdString()) / "h.safetensors";
  at::Tensor values = at::randn({5, 7}).to(type).to(at::kFloat);  // representable exactly
  QVERIFY(write_safetensors(path, {test::to_safetensors("h", values, format)}).ok());
  auto file = SafetensorsFile::open(path);
  QVERIFY(file.ok());
  const auto* entry = file->find("h");
  QCOMPARE(entry->dtype, format);
  QCOMPARE(entry->end - entry->begin, uint64_t{5 * 7 * 2});
  at::Tensor read = at::from_blob(const_cast<std::byte*>(file->data(*entry)), {5, 7},
                                  at::TensorOptions().dtype(type))
                        .to(at::kFloat);
  QVERIFY(at::equal(read, values));
}

QTEST_APPLESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"

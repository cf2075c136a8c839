// The protobuf wire-format reader on hand-made messages, valid and malformed.
#include <QtTest>

#include <string>
#include <vector>

#include "core/tokenizer/protobuf_reader.h"

Q_DECLARE_METATYPE(std::string)

namespace {

// All fields of `message` as "number:wire:value" strings, or "error" at the first Error.
QStringList read_all(const std::string& message) {
  afbs::ProtobufReader reader(message);
  afbs::ProtobufField field;
  QStringList out;
  while (true) {
    const afbs::Result<bool> more = reader.next(field);
    if (!more.ok()) return out << "error";
    if (!*more) return out;
    const auto wire = static_cast<int>(field.wire_type);
    const QString value = field.wire_type == afbs::ProtobufField::WireType::LengthDelimited
                              ? QString::fromStdString(std::string(field.bytes))
                              : QString::number(field.integer);
    out << QString("%1:%2:%3").arg(field.number).arg(wire).arg(value);
  }
}

}  // namespace

class TestProtobufReader : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void reads_fields_data() {
    QTest::addColumn<std::string>("message");
    QTest::addColumn<QStringList>("fields");
    using namespace std::string_literals;
    QTest::newRow("empty") << ""s << QStringList{};
    QTest::newRow("varint") << "\x08\x96\x01"s << QStringList{"1:0:150"};
    QTest::newRow("string") << "\x0A\x03"
                               "abc"s
                            << QStringList{"1:2:abc"};
    QTest::newRow("fixed32") << "\x15\x00\x00\x80\x3F"s << QStringList{"2:5:1065353216"};
    QTest::newRow("fixed64") << "\x19\x01\x00\x00\x00\x00\x00\x00\x00"s << QStringList{"3:1:1"};
    QTest::newRow("two fields") << "\x08\x01\x12\x00"s << QStringList{"1:0:1", "2:2:"};
    QTest::newRow("large field number") << "\xC0\x02\x05"s << QStringList{"40:0:5"};
    QTest::newRow("truncated varint") << "\x08\x96"s << QStringList{"error"};
    QTest::newRow("length past the end") << "\x0A\x05"
                                            "abc"s
                                         << QStringList{"error"};
    QTest::newRow("truncated fixed32") << "\x15\x00\x00"s << QStringList{"error"};
    QTest::newRow("group") << "\x0B"s << QStringList{"error"};
    QTest::newRow("field number 0") << "\x00\x01"s << QStringList{"error"};
    QTest::newRow("eleven-byte varint")
        << "\x08\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01"s << QStringList{"error"};
    QTest::newRow("error after a good field")
        << "\x08\x01\x0A\x09x"s << QStringList{"1:0:1", "error"};
  }

  void reads_fields() {
    QFETCH(std::string, message);
    QFETCH(QStringList, fields);
    QCOMPARE(read_all(message), fields);
  }

  void reads_float() {
    afbs::ProtobufField field;
    field.integer = 0xC0490FDB;  // -3.14159274f
    QCOMPARE(field.as_float(), -3.14159274f);
  }
};

QTEST_APPLESS_MAIN(TestProtobufReader)
#include "tst_protobuf_reader.moc"

// Parity of our SentencePiece tokenizer with Debian's spm_encode / spm_decode, run at test
// time over the committed corpus and over random lines, for BPE and unigram models trained by
// spm_train (see data/README.md).
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

void write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary);
  for (const std::string& line : lines)
    out << line << '\n';
}

// Random lines drawn from characters the models know, do not know, and whitespace.
std::vector<std::string> random_lines(int count) {
  static const std::vector<std::string> pool = {"a",
                                                "e",
                                                "t",
                                                "h",
                                                "the",
                                                " ",
                                                " ",
                                                "  ",
                                                "\t",
                                                "1",
                                                "2",
                                                "0",
                                                "9",
                                                ".",
                                                ",",
                                                "'",
                                                "-",
                                                "_",
                                                "(",
                                                ")",
                                                "{",
                                                "é",
                                                "ü",
                                                "ß",
                                                "Ç",
                                                "ł",
                                                "ж",
                                                "Ω",
                                                "東",
                                                "京",
                                                "語",
                                                "한",
                                                "😀",
                                                "👍🏽",
                                                "\xE2\x80\x8D",
                                                "ﬁ",
                                                "Ａ",
                                                "１",
                                                "²",
                                                "½",
                                                "Ⅻ",
                                                "\xC2\xA0",
                                                "\xE3\x80\x80",
                                                "<s>",
                                                "<sep>",
                                                "fibonacci",
                                                "ing",
                                                "tion",
                                                "\xE2\x96\x81",
                                                "\xCC\x81",
                                                "\x01"};
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> length(0, 24);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    std::string line;
    for (int n = length(rng); n > 0; --n)
      line += pool[pick(rng)];
    lines.push_back(line);
  }
  return lines;
}

QStringList run_tool(const QString& program, const QStringList& arguments) {
  QProcess process;
  process.start(program, arguments);
  if (!process.waitForFinished(60000) || process.exitCode() != 0) {
    qWarning() << program << arguments << process.readAllStandardError();
    return {};
  }
  QString text = QString::fromUtf8(process.readAllStandardOutput());
  if (text.endsWith('\n')) text.chop(1);
  return text.split('\n');
}

std::vector<int32_t> parse_ids(const QString& line) {
  std::vector<int32_t> ids;
  for (const QString& id : line.split(' ', Qt::SkipEmptyParts))
    ids.push_back(id.toInt());
  return ids;
}

QString ids_text(const std::vector<int32_t>& ids) {
  QStringList parts;
  for (const int32_t id : ids)
    parts << QString::number(id);
  return parts.join(' ');
}

}  // namespace

class TestSentencePieceTokenizer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    spm_encode_ = QStandardPaths::findExecutable("spm_encode");
    spm_decode_ = QStandardPaths::findExecutable("spm_decode");
    QVERIFY(work_.isValid());
    lines_ = read_lines(fs::path(AFBS_TEST_DATA) / "corpus.txt");
    QVERIFY(lines_.size() > 40);
    const std::vector<std::string> extra = random_lines(400);
    lines_.insert(lines_.end(), extra.begin(), extra.end());
    corpus_path_ = fs::path(work_.path().toStdString()) / "lines.txt";
    write_lines(corpus_path_, lines_);
  }

  void matches_spm_encode_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("round_trips");
    // Llama-2-like: identity normaliser, dummy prefix, byte fallback, digits split.
    QTest::newRow("bpe llama-like") << "bpe_llama.model"
                                    << "sentencepiece-bpe" << true;
    QTest::newRow("bpe unknowns, collapsed spaces") << "bpe_identity_unk.model"
                                                    << "sentencepiece-bpe" << false;
    QTest::newRow("unigram nmt_nfkc byte fallback") << "unigram_nfkc.model"
                                                    << "sentencepiece-unigram" << false;
    QTest::newRow("unigram unknowns, user symbols") << "unigram_identity_unk.model"
                                                    << "sentencepiece-unigram" << false;
    // The bundled demo model (resources/models/kjv-llama), a real Llama-style tokenizer.
    QTest::newRow("demo model kjv-llama") << "../../../resources/models/kjv-llama/tokenizer.model"
                                          << "sentencepiece-bpe" << true;
  }

  // Every line's ids equal spm_encode's; our decode equals spm_decode's on those ids.
  void matches_spm_encode() {
    QFETCH(QString, model);
    QFETCH(QString, kind);
    QFETCH(bool, round_trips);
    if (spm_encode_.isEmpty() || spm_decode_.isEmpty()) {
      QSKIP("spm_encode/spm_decode not found: install Debian's sentencepiece (tools/setup.sh)");
    }
    const fs::path source = fs::path(AFBS_TEST_DATA) / model.toStdString();
    if (!fs::exists(source)) QSKIP("model file not found");
    const fs::path dir =
        fs::path(work_.path().toStdString()) / source.parent_path().filename() / source.filename();
    fs::create_directories(dir);
    fs::copy_file(source, dir / "tokenizer.model", fs::copy_options::overwrite_existing);
    auto tokenizer = afbs::load_tokenizer(dir);
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
    QCOMPARE(QString::fromStdString((*tokenizer)->kind()), kind);

    const QString model_arg = "--model=" + QString::fromStdString(source.string());
    const QStringList expected =
        run_tool(spm_encode_,
                 {model_arg, "--output_format=id", QString::fromStdString(corpus_path_.string())});
    QCOMPARE(static_cast<std::size_t>(expected.size()), lines_.size());
    std::vector<std::vector<int32_t>> all_ids;
    std::size_t compared_ids = 0;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const std::vector<int32_t> ids = (*tokenizer)->encode(lines_[i]);
      const QString ours = ids_text(ids);
      const QString message = QString("line %1 '%2': ours [%3], spm_encode [%4]")
                                  .arg(i + 1)
                                  .arg(QString::fromStdString(lines_[i]), ours, expected[i]);
      QVERIFY2(ours == expected[i], qPrintable(message));
      QCOMPARE(ids, parse_ids(expected[i]));
      compared_ids += ids.size();
      all_ids.push_back(ids);
      // U+2581 in the text reads back as a space, as with SentencePiece itself.
      if (round_trips && lines_[i].find("\xE2\x96\x81") == std::string::npos) {
        QCOMPARE(QString::fromStdString((*tokenizer)->decode(ids)),
                 QString::fromStdString(lines_[i]));
      }
    }
    QVERIFY(compared_ids > 1000);
    qInfo("%s: %zu lines, %zu ids equal to spm_encode's", qPrintable(model), lines_.size(),
          compared_ids);

    // Decoding: spm_decode over the same ids.
    const fs::path ids_path = dir / "ids.txt";
    std::vector<std::string> id_lines;
    for (const auto& ids : all_ids)
      id_lines.push_back(ids_text(ids).toStdString());
    write_lines(ids_path, id_lines);
    const QStringList decoded = run_tool(
        spm_decode_, {model_arg, "--input_format=id", QString::fromStdString(ids_path.string())});
    QCOMPARE(static_cast<std::size_t>(decoded.size()), lines_.size());
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const QString ours = QString::fromStdString((*tokenizer)->decode(all_ids[i]));
      QVERIFY2(ours == decoded[i],
               qPrintable(QString("line %1, ids [%4]: ours '%2', spm_decode '%3'")
                              .arg(i + 1)
                              .arg(ours, decoded[i], ids_text(all_ids[i]))));
    }
  }

  void reports_special_ids() {
    auto tokenizer = load("bpe_llama.model");
    QVERIFY(tokenizer);
    QCOMPARE(tokenizer->bos_id(), 1);
    QCOMPARE(tokenizer->eos_id(), 2);
    QCOMPARE(tokenizer->vocab_size(), 700);
    QVERIFY(tokenizer->encode("").empty());
    // Control ids vanish when decoding; ids outside the vocabulary are skipped.
    const std::vector<int32_t> hello = tokenizer->encode("hello there");
    std::vector<int32_t> wrapped = {1};
    wrapped.insert(wrapped.end(), hello.begin(), hello.end());
    wrapped.push_back(2);
    wrapped.push_back(123456);
    QCOMPARE(tokenizer->decode(wrapped), std::string("hello there"));
  }

 private:
  std::unique_ptr<afbs::Tokenizer> load(const std::string& model) {
    const fs::path dir = fs::path(work_.path().toStdString()) / ("single_" + model);
    fs::create_directories(dir);
    fs::copy_file(fs::path(AFBS_TEST_DATA) / model, dir / "tokenizer.model",
                  fs::copy_options::overwrite_existing);
    auto tokenizer = afbs::load_tokenizer(dir);
    return tokenizer.ok() ? std::move(*tokenizer) : nullptr;
  }

  QString spm_encode_;
  QString spm_decode_;
  QTemporaryDir work_;
  std::vector<std::string> lines_;
  fs::path corpus_path_;
};

QTEST_APPLESS_MAIN(TestSentencePieceTokenizer)
#include "tst_sentencepiece_tokenizer.moc"

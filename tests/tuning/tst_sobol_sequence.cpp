#include <QtTest>
#include <set>

#include "core/tuning/sobol_sequence.h"

using afbs::tuning::SobolSequence;

namespace {

// True when each of the 2^bits_x x 2^bits_y elementary boxes of the unit square holds exactly
// points.rows() / 2^(bits_x + bits_y) points.
bool evenly_stratified(const Eigen::MatrixXd& points, int column_x, int column_y, int bits_x,
                       int bits_y) {
  std::vector<int> counts(size_t(1) << (bits_x + bits_y), 0);
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const int cell_x = int(points(i, column_x) * (1 << bits_x));
    const int cell_y = int(points(i, column_y) * (1 << bits_y));
    ++counts[size_t(cell_x) * (size_t(1) << bits_y) + size_t(cell_y)];
  }
  const int expected = int(points.rows()) >> (bits_x + bits_y);
  for (int count : counts) {
    if (count != expected) return false;
  }
  return true;
}

}  // namespace

class TestSobolSequence : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void starts_with_the_known_points() {
    auto sequence = SobolSequence::create(3);
    QVERIFY(sequence.ok());
    // Unscrambled Sobol: 0, 1/2, (3/4, 1/4), (1/4, 3/4) in the first two coordinates, each
    // offset by half a 32-bit step.
    const double half_step = 0.5 / 4294967296.0;
    const Eigen::MatrixXd points = sequence->points(0, 4);
    const double expected[4][2] = {{0, 0}, {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}};
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 2; ++j)
        QCOMPARE(points(i, j), expected[i][j] + half_step);
    }
  }

  void every_coordinate_is_stratified_data() {
    QTest::addColumn<bool>("scrambled");
    QTest::newRow("plain") << false;
    QTest::newRow("digitally shifted") << true;
  }
  void every_coordinate_is_stratified() {
    QFETCH(bool, scrambled);
    std::mt19937_64 rng(11);
    auto sequence = scrambled ? SobolSequence::create_scrambled(SobolSequence::kMaxDimension, rng)
                              : SobolSequence::create(SobolSequence::kMaxDimension);
    QVERIFY(sequence.ok());
    const Eigen::MatrixXd points = sequence->points(0, 256);
    QVERIFY((points.array() > 0.0).all() && (points.array() < 1.0).all());
    for (int j = 0; j < SobolSequence::kMaxDimension; ++j) {
      // One point in each of the 256 intervals of width 1/256, in every coordinate.
      QVERIFY2(evenly_stratified(points, j, j, 8, 0), qPrintable(QString("coordinate %1").arg(j)));
    }
    // The first two coordinates form a (0, m, 2)-net: every elementary box of area 1/256.
    for (int bits_x = 0; bits_x <= 8; ++bits_x) {
      QVERIFY2(evenly_stratified(points, 0, 1, bits_x, 8 - bits_x),
               qPrintable(QString("boxes 2^-%1 x 2^-%2").arg(bits_x).arg(8 - bits_x)));
    }
    // Pairs further out are still stratified in 4 x 4 boxes over the first 256 points.
    for (int a = 0; a < SobolSequence::kMaxDimension; ++a) {
      for (int b = a + 1; b < SobolSequence::kMaxDimension; ++b) {
        QVERIFY2(evenly_stratified(points, a, b, 2, 2),
                 qPrintable(QString("%1, %2").arg(a).arg(b)));
      }
    }
  }

  void scrambling_depends_on_the_seed_only() {
    std::mt19937_64 first(5), second(5), other(6);
    const Eigen::MatrixXd a = SobolSequence::create_scrambled(4, first)->points(0, 32);
    const Eigen::MatrixXd b = SobolSequence::create_scrambled(4, second)->points(0, 32);
    const Eigen::MatrixXd c = SobolSequence::create_scrambled(4, other)->points(0, 32);
    QCOMPARE(a, b);
    QVERIFY(a != c);
  }

  void points_are_distinct() {
    const Eigen::MatrixXd points = SobolSequence::create(6)->points(0, 1024);
    std::set<std::vector<double>> seen;
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      std::vector<double> row(6);
      for (int j = 0; j < 6; ++j)
        row[j] = points(i, j);
      seen.insert(row);
    }
    QCOMPARE(seen.size(), size_t(1024));
  }

  void rejects_unsupported_dimensions() {
    QVERIFY(!SobolSequence::create(0).ok());
    auto too_many = SobolSequence::create(SobolSequence::kMaxDimension + 1);
    QVERIFY(!too_many.ok());
    QVERIFY(QString::fromStdString(too_many.error().message).contains("dimension 11"));
  }
};

QTEST_APPLESS_MAIN(TestSobolSequence)
#include "tst_sobol_sequence.moc"

#include <QtTest>
#include <cmath>
#include <limits>

#include "core/tuning/standard_functions.h"
#include "tests/tuning/median_regret.h"

using namespace afbs::tuning;

namespace {

// The constrained problem: Branin on a disc that holds only its minimum at (pi, 2.275).
const Eigen::Vector2d kDiscCentre(2.5, 7.5);
constexpr double kDiscRadius = 5.5;

double disc_constraint(const Eigen::VectorXd& x) {
  return (x - kDiscCentre).squaredNorm() - kDiscRadius * kDiscRadius;  // <= 0 inside
}

QString describe(const std::vector<double>& values) {
  QStringList words;
  for (double value : values)
    words << QString::number(value, 'g', 3);
  return words.join(' ');
}

}  // namespace

class TestOptimizerRegretBranin : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void branin_within_40_evaluations() {
    const StandardFunction f = branin();
    const auto regrets = testing::regrets(
        [&](const Eigen::VectorXd& x) -> afbs::Result<Evaluation> {
          return Evaluation{f.evaluate(x), {}};
        },
        f.box, {}, 40, 10, f.minimum);
    const double median = testing::median(regrets);
    qInfo("Branin, 40 evaluations, regrets over 10 seeds: %s; median %g",
          qPrintable(describe(regrets)), median);
    QVERIFY(median < 0.01);
  }

  void constrained_branin_finds_the_best_feasible_point() {
    const StandardFunction f = branin();
    // The disc must exclude two of the three global minima and keep the third.
    QVERIFY(disc_constraint((Eigen::VectorXd(2) << -M_PI, 12.275).finished()) > 0.0);
    QVERIFY(disc_constraint((Eigen::VectorXd(2) << 9.42478, 2.475).finished()) > 0.0);
    QVERIFY(disc_constraint((Eigen::VectorXd(2) << M_PI, 2.275).finished()) < 0.0);

    // The constrained optimum by a dense grid (step 0.005 over the box).
    double optimum = std::numeric_limits<double>::infinity();
    Eigen::VectorXd x(2);
    for (int i = 0; i <= 3000; ++i) {
      for (int j = 0; j <= 3000; ++j) {
        x << -5.0 + 0.005 * i, 0.005 * j;
        if (disc_constraint(x) <= 0.0) optimum = std::min(optimum, f.evaluate(x));
      }
    }
    QVERIFY(std::abs(optimum - f.minimum) < 1e-3);

    BayesianOptimizerOptions options;
    options.constraint_thresholds = {0.0};
    const auto regrets = testing::regrets(
        [&](const Eigen::VectorXd& point) -> afbs::Result<Evaluation> {
          return Evaluation{f.evaluate(point), {disc_constraint(point)}};
        },
        f.box, options, 50, 10, optimum);
    const double median = testing::median(regrets);
    qInfo("Constrained Branin, 50 evaluations, regrets over 10 seeds: %s; median %g",
          qPrintable(describe(regrets)), median);
    QVERIFY(median < 0.01);
    // Every run found some feasible point.
    for (double regret : regrets)
      QVERIFY(std::isfinite(regret));
  }
};

QTEST_APPLESS_MAIN(TestOptimizerRegretBranin)
#include "tst_optimizer_regret_branin.moc"

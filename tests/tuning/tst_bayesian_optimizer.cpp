#include <QtTest>
#include <cmath>
#include <limits>

#include "core/tuning/bayesian_optimizer.h"
#include "core/tuning/expected_improvement.h"
#include "core/tuning/matern52_kernel.h"
#include "core/tuning/optimize.h"
#include "core/tuning/squared_exponential_kernel.h"
#include "core/tuning/standard_functions.h"
#include "core/tuning/stop_rules.h"

using namespace afbs::tuning;

namespace {

class RecordingObserver : public OptimizerObserver {
 public:
  void on_observation(const ObservationRecord& record) override { records.push_back(record); }
  std::vector<ObservationRecord> records;
};

std::vector<Eigen::VectorXd> run_branin(std::uint64_t seed, int evaluations) {
  const StandardFunction f = branin();
  BayesianOptimizerOptions options;
  options.seed = seed;
  auto optimizer = BayesianOptimizer::create(f.box, options);
  std::vector<Eigen::VectorXd> points;
  for (int i = 0; i < evaluations; ++i) {
    auto point = optimizer->ask();
    if (!point.ok()) qFatal("ask failed: %s", point.error().message.c_str());
    points.push_back(*point);
    if (!optimizer->tell(*point, f.evaluate(*point)).ok()) qFatal("tell failed");
  }
  return points;
}

QString message(const afbs::Status& status) {
  return QString::fromStdString(status.ok() ? std::string() : status.error().message);
}

}  // namespace

class TestBayesianOptimizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void same_seed_gives_the_same_sequence() {
    const auto first = run_branin(42, 16);
    const auto second = run_branin(42, 16);
    const auto other = run_branin(43, 16);
    for (size_t i = 0; i < first.size(); ++i)
      QCOMPARE(first[i], second[i]);
    QVERIFY(first[0] != other[0]);
    QVERIFY(first.back() != other.back());
  }

  void rejects_non_finite_observations_data() {
    QTest::addColumn<double>("objective");
    QTest::addColumn<double>("constraint");
    QTest::addColumn<QString>("named");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("NaN objective") << nan << 0.0 << "objective is nan";
    QTest::newRow("+inf objective") << inf << 0.0 << "objective is inf";
    QTest::newRow("-inf objective") << -inf << 0.0 << "objective is -inf";
    QTest::newRow("NaN constraint") << 1.0 << nan << "constraint 0 is nan";
    QTest::newRow("inf constraint") << 1.0 << inf << "constraint 0 is inf";
  }
  void rejects_non_finite_observations() {
    QFETCH(double, objective);
    QFETCH(double, constraint);
    QFETCH(QString, named);
    BayesianOptimizerOptions options;
    options.constraint_thresholds = {0.5};
    auto optimizer = BayesianOptimizer::create(branin().box, options);
    QVERIFY(optimizer.ok());
    const Eigen::VectorXd point = *optimizer->ask();
    const auto status = optimizer->tell(point, objective, {constraint});
    QVERIFY(!status.ok());
    QVERIFY2(message(status).contains(named), qPrintable(message(status)));
    QVERIFY(message(status).contains("rejected"));
    QVERIFY(optimizer->observations().empty());
    // The loop driver passes the same error on.
    auto outcome = optimize(
        [&](const Eigen::VectorXd&) -> afbs::Result<Evaluation> {
          return Evaluation{objective, {constraint}};
        },
        branin().box, options, BudgetStop(5));
    QVERIFY(!outcome.ok());
    QVERIFY(QString::fromStdString(outcome.error().message).contains(named));
  }

  void rejects_points_outside_the_box_and_wrong_constraint_counts() {
    auto optimizer = BayesianOptimizer::create(branin().box, {});
    const Eigen::VectorXd outside = (Eigen::VectorXd(2) << 11.0, 3.0).finished();
    const auto status = optimizer->tell(outside, 1.0);
    QVERIFY(!status.ok());
    QVERIFY(message(status).contains("outside [-5, 10]"));
    QVERIFY(!optimizer->tell(Eigen::VectorXd::Zero(3), 1.0).ok());
    QVERIFY(!optimizer->tell((Eigen::VectorXd(2) << 1.0, 1.0).finished(), 1.0, {2.0}).ok());
    QVERIFY(optimizer->observations().empty());
  }

  void asks_the_callers_points_first_and_stays_in_the_box() {
    BayesianOptimizerOptions options;
    options.extra_initial_points = {(Eigen::VectorXd(2) << 0.6, 0.98).finished(),
                                    (Eigen::VectorXd(2) << -5.0, 15.0).finished()};
    auto bad = options;
    bad.extra_initial_points.push_back((Eigen::VectorXd(2) << 0.0, 20.0).finished());
    QVERIFY(!BayesianOptimizer::create(branin().box, bad).ok());

    const StandardFunction f = branin();
    auto optimizer = BayesianOptimizer::create(f.box, options);
    QCOMPARE(*optimizer->ask(), options.extra_initial_points[0]);
    QCOMPARE(*optimizer->ask(), options.extra_initial_points[1]);
    QVERIFY(optimizer->tell(options.extra_initial_points[0], 1.0).ok());
    QVERIFY(optimizer->tell(options.extra_initial_points[1], 2.0).ok());
    for (int i = 0; i < 12; ++i) {
      const Eigen::VectorXd point = *optimizer->ask();
      QVERIFY(f.box.check_contains(point, "asked point").ok());
      QVERIFY(optimizer->tell(point, f.evaluate(point)).ok());
    }
  }

  void maximises_when_asked() {
    const StandardFunction f = branin();
    BayesianOptimizerOptions options;
    options.goal = Goal::Maximize;
    options.seed = 3;
    auto outcome = optimize(
        [&](const Eigen::VectorXd& x) -> afbs::Result<Evaluation> {
          return Evaluation{-f.evaluate(x), {}};
        },
        f.box, options, BudgetStop(30));
    QVERIFY(outcome.ok());
    QVERIFY(outcome->best.has_value());
    QVERIFY2(-outcome->best->objective - f.minimum < 0.05,
             qPrintable(QString::number(-outcome->best->objective)));
    QCOMPARE(outcome->history.size(), size_t(30));
    QVERIFY(QString::fromStdString(outcome->stop_reason).contains("budget of 30"));
  }

  void reports_every_observation_to_the_observer() {
    const StandardFunction f = branin();
    BayesianOptimizerOptions options;
    options.constraint_thresholds = {0.0};
    auto optimizer = BayesianOptimizer::create(f.box, options);
    RecordingObserver observer;
    optimizer->set_observer(&observer);
    auto outcome = run_until_stop(
        *optimizer,
        [&](const Eigen::VectorXd& x) -> afbs::Result<Evaluation> {
          return Evaluation{f.evaluate(x), {x[0]}};  // feasible where x0 <= 0
        },
        BudgetStop(10));
    QVERIFY(outcome.ok());
    QCOMPARE(observer.records.size(), size_t(10));
    double best = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < observer.records.size(); ++i) {
      const ObservationRecord& record = observer.records[i];
      QCOMPARE(record.index, int(i));
      QCOMPARE(record.feasible, record.point[0] <= 0.0);
      if (record.feasible) best = std::min(best, record.objective);
      QCOMPARE(record.has_feasible, std::isfinite(best));
      if (record.has_feasible) QCOMPARE(record.best_objective, best);
    }
    QVERIFY(outcome->best.has_value());
    QCOMPARE(outcome->best->objective, best);
  }

  void stops_when_improvement_is_negligible() {
    // A plane is learnt within a few points; EI then falls to the noise floor.
    const BoxDomain box = *BoxDomain::create(std::vector<double>{0.0, 0.0}, {1.0, 1.0});
    AnyStopRule stop;
    stop.add(std::make_unique<BudgetStop>(60));
    stop.add(std::make_unique<NegligibleImprovementStop>(1e-3));
    auto outcome = optimize(
        [](const Eigen::VectorXd& x) -> afbs::Result<Evaluation> {
          return Evaluation{x[0] + 2.0 * x[1], {}};
        },
        box, {}, stop);
    QVERIFY(outcome.ok());
    QVERIFY2(outcome->history.size() < 60,
             qPrintable(QString::fromStdString(outcome->stop_reason)));
    QVERIFY(QString::fromStdString(outcome->stop_reason).contains("expected improvement"));
    QVERIFY(outcome->best->objective < 0.05);
  }

  void swapping_kernel_and_acquisition_at_run_time() {
    auto optimizer = BayesianOptimizer::create(branin().box, {});
    QVERIFY(!optimizer->set_kernel(std::make_unique<Matern52Kernel>(3)).ok());
    QVERIFY(optimizer->set_kernel(std::make_unique<SquaredExponentialKernel>(2)).ok());
    optimizer->set_acquisition(std::make_unique<ExpectedImprovement>(0.01));
    const StandardFunction f = branin();
    for (int i = 0; i < 10; ++i) {
      const Eigen::VectorXd point = *optimizer->ask();
      QVERIFY(optimizer->tell(point, f.evaluate(point)).ok());
    }
    QVERIFY(optimizer->progress().last_acquisition.has_value());
  }
};

QTEST_APPLESS_MAIN(TestBayesianOptimizer)
#include "tst_bayesian_optimizer.moc"

#include <QtTest>
#include <cmath>
#include <numbers>
#include <random>

#include "core/tuning/acquisition_optimizer.h"
#include "core/tuning/constrained_expected_improvement.h"
#include "core/tuning/expected_improvement.h"
#include "core/tuning/matern52_kernel.h"
#include "core/tuning/probability_of_feasibility.h"

using namespace afbs::tuning;

namespace {

// E[max(f* - Y, 0)] for Y ~ N(mean, variance), by Simpson's rule over +-12 sigma: an
// independent check of the closed form.
double expected_improvement_by_quadrature(double mean, double variance, double incumbent) {
  const double sigma = std::sqrt(variance);
  const double low = mean - 12.0 * sigma, high = mean + 12.0 * sigma;
  const int intervals = 20000;
  const double h = (high - low) / intervals;
  double sum = 0.0;
  for (int i = 0; i <= intervals; ++i) {
    const double y = low + i * h;
    const double density = std::exp(-0.5 * std::pow((y - mean) / sigma, 2)) /
                           (sigma * std::sqrt(2.0 * std::numbers::pi));
    const double weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    sum += weight * std::max(incumbent - y, 0.0) * density;
  }
  return sum * h / 3.0;
}

GaussianProcess fitted_process(double (*f)(double, double), std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Eigen::MatrixXd x(12, 2);
  Eigen::VectorXd y(12);
  for (int i = 0; i < 12; ++i) {
    x(i, 0) = uniform(rng);
    x(i, 1) = uniform(rng);
    y[i] = f(x(i, 0), x(i, 1));
  }
  GaussianProcess process(std::make_unique<Matern52Kernel>(2));
  if (!process.set_data(x, y).ok()) qFatal("test data rejected");
  Eigen::VectorXd values(5);
  values << std::log(0.3), std::log(0.2), 0.0, std::log(1e-3), 0.0;
  if (!process.set_hyperparameters(values).ok()) qFatal("test hyperparameters rejected");
  return process;
}

double objective(double a, double b) {
  return std::sin(5.0 * a) + b * b;
}
double constraint(double a, double b) {
  return a + b - 1.0;
}

// A made-up acquisition with its maximum at a known point, to test the search alone.
class Bowl : public Acquisition {
 public:
  explicit Bowl(Eigen::VectorXd centre) : centre_(std::move(centre)) {}
  std::string name() const override { return "bowl"; }
  std::unique_ptr<Acquisition> clone() const override { return std::make_unique<Bowl>(*this); }
  Eigen::VectorXd evaluate(const AcquisitionContext&,
                           const Eigen::MatrixXd& points) const override {
    return -(points.rowwise() - centre_.transpose()).rowwise().squaredNorm();
  }
  bool scores_improvement(const AcquisitionContext&) const override { return false; }

 private:
  Eigen::VectorXd centre_;
};

}  // namespace

class TestAcquisition : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void expected_improvement_closed_form_data() {
    QTest::addColumn<double>("mean");
    QTest::addColumn<double>("variance");
    QTest::addColumn<double>("incumbent");
    QTest::newRow("mean at incumbent") << 0.0 << 1.0 << 0.0;
    QTest::newRow("mean below incumbent") << -1.0 << 0.25 << 0.5;
    QTest::newRow("mean well above") << 3.0 << 0.5 << 0.0;
    QTest::newRow("small variance") << 1.0 << 1e-4 << 1.02;
    QTest::newRow("large scale") << 150.0 << 400.0 << 140.0;
  }
  void expected_improvement_closed_form() {
    QFETCH(double, mean);
    QFETCH(double, variance);
    QFETCH(double, incumbent);
    const double sigma = std::sqrt(variance);
    const double z = (incumbent - mean) / sigma;
    const double by_formula = (incumbent - mean) * 0.5 * std::erfc(-z / std::sqrt(2.0)) +
                              sigma * std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    const double by_quadrature = expected_improvement_by_quadrature(mean, variance, incumbent);
    const double ours = ExpectedImprovement::closed_form(mean, variance, incumbent, 0.0);
    QVERIFY(std::abs(by_formula - by_quadrature) < 1e-8 * std::max(1.0, by_quadrature));
    QVERIFY2(std::abs(ours - by_quadrature) < 1e-8 * std::max(1.0, by_quadrature),
             qPrintable(QString("ours %1, quadrature %2").arg(ours).arg(by_quadrature)));
  }

  void expected_improvement_without_uncertainty_is_the_plain_gain() {
    QCOMPARE(ExpectedImprovement::closed_form(1.0, 0.0, 3.0, 0.0), 2.0);
    QCOMPARE(ExpectedImprovement::closed_form(4.0, 0.0, 3.0, 0.0), 0.0);
    QCOMPARE(ExpectedImprovement::closed_form(1.0, 0.0, 3.0, 0.5), 1.5);
  }

  void expected_improvement_uses_the_model_posterior() {
    std::mt19937_64 rng(1);
    const GaussianProcess process = fitted_process(objective, rng);
    AcquisitionContext context;
    context.objective = &process;
    context.incumbent = process.outputs().minCoeff();
    const Eigen::MatrixXd points = (Eigen::MatrixXd::Random(30, 2).array() + 1.0) / 2.0;
    const Eigen::VectorXd scores = ExpectedImprovement().evaluate(context, points);
    const Prediction prediction = process.predict(points);
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      const double expected = expected_improvement_by_quadrature(
          prediction.mean[i], prediction.variance[i], *context.incumbent);
      QVERIFY(std::abs(scores[i] - expected) < 1e-7 * std::max(1.0, expected));
      QVERIFY(scores[i] >= 0.0);
    }
  }

  void probability_of_feasibility_and_constrained_improvement() {
    std::mt19937_64 rng(2);
    const GaussianProcess objective_model = fitted_process(objective, rng);
    const GaussianProcess constraint_model = fitted_process(constraint, rng);
    AcquisitionContext context;
    context.objective = &objective_model;
    context.constraints = {&constraint_model};
    context.thresholds = {0.1};
    const Eigen::MatrixXd points = (Eigen::MatrixXd::Random(20, 2).array() + 1.0) / 2.0;

    const Prediction g = constraint_model.predict(points);
    const Eigen::VectorXd feasibility = ProbabilityOfFeasibility().evaluate(context, points);
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      const double expected =
          0.5 * std::erfc(-(0.1 - g.mean[i]) / std::sqrt(g.variance[i]) / std::sqrt(2.0));
      QVERIFY(std::abs(feasibility[i] - expected) < 1e-12);
    }

    const ConstrainedExpectedImprovement constrained;
    // No feasible observation yet: it scores feasibility alone.
    QVERIFY(!constrained.scores_improvement(context));
    QVERIFY((constrained.evaluate(context, points) - feasibility).cwiseAbs().maxCoeff() < 1e-15);
    // With an incumbent: EI times PoF.
    context.incumbent = 0.2;
    QVERIFY(constrained.scores_improvement(context));
    const Eigen::VectorXd improvement = ExpectedImprovement().evaluate(context, points);
    const Eigen::VectorXd product = constrained.evaluate(context, points);
    QVERIFY((product.array() - improvement.array() * feasibility.array()).abs().maxCoeff() < 1e-15);
    // Without constraints: plain EI.
    context.constraints.clear();
    context.thresholds.clear();
    QVERIFY((constrained.evaluate(context, points) - improvement).cwiseAbs().maxCoeff() < 1e-15);
  }

  void search_finds_a_known_maximum_data() {
    QTest::addColumn<int>("dimension");
    QTest::newRow("2-D") << 2;
    QTest::newRow("6-D") << 6;
  }
  void search_finds_a_known_maximum() {
    QFETCH(int, dimension);
    std::mt19937_64 rng(7);
    GaussianProcess process(std::make_unique<Matern52Kernel>(dimension));
    AcquisitionContext context;
    context.objective = &process;
    Eigen::VectorXd centre(dimension);
    for (int i = 0; i < dimension; ++i)
      centre[i] = 0.13 + 0.11 * i;
    const auto maximum = AcquisitionOptimizer().maximize(Bowl(centre), context, {}, rng);
    QVERIFY2((maximum.unit_point - centre).norm() < 1e-3,
             qPrintable(QString("off by %1").arg((maximum.unit_point - centre).norm())));
    QVERIFY(std::abs(maximum.value + (maximum.unit_point - centre).squaredNorm()) < 1e-15);
  }
};

QTEST_APPLESS_MAIN(TestAcquisition)
#include "tst_acquisition.moc"

#include <QtTest>
#include <cmath>

#include "core/tuning/lbfgs_minimizer.h"

using afbs::tuning::LbfgsMinimizer;

class TestLbfgsMinimizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void minimises_an_ill_conditioned_quadratic() {
    const Eigen::VectorXd weights = (Eigen::VectorXd(4) << 1.0, 10.0, 100.0, 1000.0).finished();
    const Eigen::VectorXd centre = (Eigen::VectorXd(4) << 1.0, -2.0, 0.5, 3.0).finished();
    auto quadratic = [&](const Eigen::VectorXd& x, double* value, Eigen::VectorXd* gradient) {
      const Eigen::VectorXd d = x - centre;
      *value = 0.5 * (weights.array() * d.array().square()).sum();
      *gradient = (weights.array() * d.array()).matrix();
      return true;
    };
    LbfgsMinimizer::Options options;
    options.max_iterations = 200;
    options.relative_tolerance = 0.0;
    const auto outcome = LbfgsMinimizer(options).minimize(quadratic, Eigen::VectorXd::Zero(4));
    QVERIFY(outcome.evaluated);
    QVERIFY((outcome.x - centre).norm() < 1e-5);
  }

  void minimises_rosenbrock() {
    auto rosenbrock = [](const Eigen::VectorXd& x, double* value, Eigen::VectorXd* gradient) {
      *value = 100.0 * std::pow(x[1] - x[0] * x[0], 2) + std::pow(1.0 - x[0], 2);
      gradient->resize(2);
      (*gradient)[0] = -400.0 * x[0] * (x[1] - x[0] * x[0]) - 2.0 * (1.0 - x[0]);
      (*gradient)[1] = 200.0 * (x[1] - x[0] * x[0]);
      return true;
    };
    LbfgsMinimizer::Options options;
    options.max_iterations = 500;
    options.relative_tolerance = 0.0;
    options.gradient_tolerance = 1e-8;
    const auto outcome =
        LbfgsMinimizer(options).minimize(rosenbrock, (Eigen::VectorXd(2) << -1.2, 1.0).finished());
    QVERIFY2((outcome.x - Eigen::VectorXd::Ones(2)).norm() < 1e-4,
             qPrintable(QString("ended at (%1, %2)").arg(outcome.x[0]).arg(outcome.x[1])));
  }

  void steps_back_where_the_function_cannot_be_evaluated() {
    // Defined only for x > 0; the minimum of x - log x is at 1. A full step overshoots below 0.
    auto guarded = [](const Eigen::VectorXd& x, double* value, Eigen::VectorXd* gradient) {
      if (x[0] <= 0.0) return false;
      *value = x[0] - std::log(x[0]);
      *gradient = Eigen::VectorXd::Constant(1, 1.0 - 1.0 / x[0]);
      return true;
    };
    const auto outcome = LbfgsMinimizer().minimize(guarded, Eigen::VectorXd::Constant(1, 0.05));
    QVERIFY(outcome.evaluated);
    QVERIFY(std::abs(outcome.x[0] - 1.0) < 1e-3);
  }

  void reports_an_unevaluable_start() {
    auto never = [](const Eigen::VectorXd&, double*, Eigen::VectorXd*) { return false; };
    QVERIFY(!LbfgsMinimizer().minimize(never, Eigen::VectorXd::Zero(2)).evaluated);
  }
};

QTEST_APPLESS_MAIN(TestLbfgsMinimizer)
#include "tst_lbfgs_minimizer.moc"

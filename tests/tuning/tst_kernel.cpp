#include <Eigen/Cholesky>
#include <QtTest>
#include <cmath>
#include <random>

#include "core/tuning/matern52_kernel.h"
#include "core/tuning/squared_exponential_kernel.h"

using afbs::tuning::Kernel;
using afbs::tuning::Matern52Kernel;
using afbs::tuning::SquaredExponentialKernel;

namespace {

Eigen::MatrixXd random_points(int count, int dimension, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Eigen::MatrixXd points(count, dimension);
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < dimension; ++j)
      points(i, j) = uniform(rng);
  }
  return points;
}

std::unique_ptr<Kernel> make_kernel(const QString& name, int dimension) {
  if (name == "matern52") return std::make_unique<Matern52Kernel>(dimension);
  return std::make_unique<SquaredExponentialKernel>(dimension);
}

Eigen::VectorXd random_hyperparameters(const Kernel& kernel, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.2, 0.8);
  Eigen::VectorXd values(kernel.hyperparameter_count());
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    values[i] = kernel.lower_bounds()[i] +
                uniform(rng) * (kernel.upper_bounds()[i] - kernel.lower_bounds()[i]);
  }
  return values;
}

}  // namespace

class TestKernel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void matern52_matches_the_formula() {
    Matern52Kernel kernel(2);
    Eigen::VectorXd values(3);
    values << std::log(0.5), std::log(2.0), std::log(1.7);
    kernel.set_hyperparameters(values);
    Eigen::MatrixXd a(1, 2), b(1, 2);
    a << 0.1, 0.2;
    b << 0.4, 0.6;
    // r^2 = (0.3 / 0.5)^2 + (0.4 / 2)^2 = 0.36 + 0.04
    const double r = std::sqrt(0.40);
    const double expected =
        1.7 * (1.0 + std::sqrt(5.0) * r + 5.0 * r * r / 3.0) * std::exp(-std::sqrt(5.0) * r);
    QVERIFY(std::abs(kernel.covariance(a, b)(0, 0) - expected) < 1e-12);
    QVERIFY(std::abs(kernel.covariance(a, a)(0, 0) - 1.7) < 1e-12);
    QVERIFY(std::abs(kernel.prior_variance() - 1.7) < 1e-12);
  }

  void squared_exponential_matches_the_formula() {
    SquaredExponentialKernel kernel(2);
    Eigen::VectorXd values(3);
    values << std::log(0.5), std::log(2.0), std::log(1.7);
    kernel.set_hyperparameters(values);
    Eigen::MatrixXd a(1, 2), b(1, 2);
    a << 0.1, 0.2;
    b << 0.4, 0.6;
    QVERIFY(std::abs(kernel.covariance(a, b)(0, 0) - 1.7 * std::exp(-0.5 * 0.40)) < 1e-12);
  }

  void covariance_matrix_is_symmetric_positive_definite_data() {
    QTest::addColumn<QString>("kernel_name");
    QTest::newRow("matern52") << "matern52";
    QTest::newRow("squared-exponential") << "squared-exponential";
  }
  void covariance_matrix_is_symmetric_positive_definite() {
    QFETCH(QString, kernel_name);
    std::mt19937_64 rng(3);
    const auto owned = make_kernel(kernel_name, 3);
    Kernel& kernel = *owned;
    kernel.set_hyperparameters(random_hyperparameters(kernel, rng));
    const Eigen::MatrixXd x = random_points(20, 3, rng);
    const Eigen::MatrixXd k = kernel.covariance(x, x);
    QVERIFY((k - k.transpose()).cwiseAbs().maxCoeff() < 1e-12);
    Eigen::MatrixXd regularised = k;
    regularised.diagonal().array() += 1e-8;
    QCOMPARE(Eigen::LLT<Eigen::MatrixXd>(regularised).info(), Eigen::Success);
  }

  void gradient_matches_finite_differences_data() {
    QTest::addColumn<QString>("kernel_name");
    QTest::addColumn<int>("dimension");
    QTest::addColumn<int>("seed");
    for (const QString name : {"matern52", "squared-exponential"}) {
      QTest::addRow("%s 1-D", qPrintable(name)) << name << 1 << 1;
      QTest::addRow("%s 2-D", qPrintable(name)) << name << 2 << 2;
      QTest::addRow("%s 6-D", qPrintable(name)) << name << 6 << 3;
      QTest::addRow("%s 6-D again", qPrintable(name)) << name << 6 << 4;
    }
  }
  void gradient_matches_finite_differences() {
    QFETCH(QString, kernel_name);
    QFETCH(int, dimension);
    QFETCH(int, seed);
    std::mt19937_64 rng(seed);
    const auto owned = make_kernel(kernel_name, dimension);
    Kernel& kernel = *owned;
    const Eigen::VectorXd values = random_hyperparameters(kernel, rng);
    kernel.set_hyperparameters(values);
    const Eigen::MatrixXd x = random_points(12, dimension, rng);
    // Any weights will do: the contraction is linear in them. Non-symmetric on purpose.
    const Eigen::MatrixXd weights = random_points(12, 12, rng).array() - 0.5;
    const Eigen::VectorXd analytic = kernel.contracted_gradient(x, weights);
    QCOMPARE(analytic.size(), Eigen::Index(dimension + 1));

    const double step = 1e-6;
    for (Eigen::Index p = 0; p < values.size(); ++p) {
      Eigen::VectorXd up = values, down = values;
      up[p] += step;
      down[p] -= step;
      kernel.set_hyperparameters(up);
      const double plus = (weights.array() * kernel.covariance(x, x).array()).sum();
      kernel.set_hyperparameters(down);
      const double minus = (weights.array() * kernel.covariance(x, x).array()).sum();
      const double numeric = (plus - minus) / (2.0 * step);
      QVERIFY2(std::abs(numeric - analytic[p]) < 1e-6 * std::max(1.0, std::abs(numeric)),
               qPrintable(QString("hyperparameter %1: analytic %2, numeric %3")
                              .arg(p)
                              .arg(analytic[p])
                              .arg(numeric)));
    }
  }

  void clone_keeps_hyperparameters() {
    std::mt19937_64 rng(5);
    Matern52Kernel kernel(4);
    kernel.set_hyperparameters(random_hyperparameters(kernel, rng));
    const auto copy = kernel.clone();
    QCOMPARE(copy->hyperparameters(), kernel.hyperparameters());
    QCOMPARE(copy->name(), kernel.name());
  }
};

QTEST_APPLESS_MAIN(TestKernel)
#include "tst_kernel.moc"

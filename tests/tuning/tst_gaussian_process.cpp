#include <Eigen/LU>
#include <QtTest>
#include <cmath>
#include <numbers>
#include <random>

#include "core/tuning/gaussian_process.h"
#include "core/tuning/hyperparameter_fit.h"
#include "core/tuning/matern52_kernel.h"

using afbs::tuning::GaussianProcess;
using afbs::tuning::HyperparameterFit;
using afbs::tuning::Matern52Kernel;

namespace {

// The Matérn-5/2 formula written out again, independently of the kernel class.
double matern52(const Eigen::VectorXd& a, const Eigen::VectorXd& b,
                const Eigen::VectorXd& length_scales, double signal_variance) {
  const double r = ((a - b).array() / length_scales.array()).matrix().norm();
  return signal_variance * (1.0 + std::sqrt(5.0) * r + 5.0 * r * r / 3.0) *
         std::exp(-std::sqrt(5.0) * r);
}

struct Data {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
};

Data smooth_data(int count, int dimension, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Data data{Eigen::MatrixXd(count, dimension), Eigen::VectorXd(count)};
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < dimension; ++j)
      data.x(i, j) = uniform(rng);
    data.y[i] = 3.0 * std::sin(4.0 * data.x(i, 0)) + data.x.row(i).squaredNorm() + 10.0;
  }
  return data;
}

// [log l (each), log s2, log noise, mean]
Eigen::VectorXd hyperparameters(int dimension, double length, double signal, double noise,
                                double mean) {
  Eigen::VectorXd values(dimension + 3);
  values.head(dimension).setConstant(std::log(length));
  values[dimension] = std::log(signal);
  values[dimension + 1] = std::log(noise);
  values[dimension + 2] = mean;
  return values;
}

GaussianProcess make_process(int dimension) {
  return GaussianProcess(std::make_unique<Matern52Kernel>(dimension));
}

}  // namespace

class TestGaussianProcess : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void interpolates_noise_free_data_at_training_points() {
    std::mt19937_64 rng(1);
    const Data data = smooth_data(15, 2, rng);
    GaussianProcess process = make_process(2);
    QVERIFY(process.set_data(data.x, data.y).ok());
    QVERIFY(process.set_hyperparameters(hyperparameters(2, 0.3, 1.0, 1e-6, 0.0)).ok());
    const auto prediction = process.predict(data.x);
    for (int i = 0; i < 15; ++i) {
      QVERIFY(std::abs(prediction.mean[i] - data.y[i]) < 1e-3);
      QVERIFY(prediction.variance[i] < 1e-4);
      QVERIFY(prediction.variance[i] >= 0.0);
    }
  }

  void returns_the_prior_far_from_the_data() {
    std::mt19937_64 rng(2);
    const Data data = smooth_data(10, 2, rng);
    GaussianProcess process = make_process(2);
    QVERIFY(process.set_data(data.x, data.y).ok());
    QVERIFY(process.set_hyperparameters(hyperparameters(2, 0.1, 2.0, 1e-4, 0.5)).ok());
    Eigen::MatrixXd far(1, 2);
    far << 40.0, -40.0;
    const auto prediction = process.predict(far);
    // Standardisation: sample mean and (n - 1) standard deviation of the outputs.
    const double offset = data.y.mean();
    const double scale = std::sqrt((data.y.array() - offset).square().sum() / 9.0);
    QVERIFY(std::abs(prediction.mean[0] - (offset + 0.5 * scale)) < 1e-9);
    QVERIFY(std::abs(prediction.variance[0] - 2.0 * scale * scale) < 1e-9);
  }

  void matches_the_one_point_closed_form() {
    GaussianProcess process = make_process(2);
    Eigen::MatrixXd x(1, 2);
    x << 0.3, 0.6;
    Eigen::VectorXd y(1);
    y << 4.0;
    QVERIFY(process.set_data(x, y).ok());
    const double signal = 1.5, noise = 0.1, mean = 0.7;
    QVERIFY(process.set_hyperparameters(hyperparameters(2, 0.4, signal, noise, mean)).ok());
    Eigen::MatrixXd at(2, 2);
    at << 0.5, 0.5, 0.3, 0.6;
    const auto prediction = process.predict(at);
    for (int i = 0; i < 2; ++i) {
      // One observation: offset y0, scale 1, standardised output 0.
      const double k = matern52(at.row(i).transpose(), x.row(0).transpose(),
                                Eigen::VectorXd::Constant(2, 0.4), signal);
      const double expected_mean = 4.0 + mean + k / (signal + noise) * (0.0 - mean);
      const double expected_variance = signal - k * k / (signal + noise);
      QVERIFY(std::abs(prediction.mean[i] - expected_mean) < 1e-10);
      QVERIFY(std::abs(prediction.variance[i] - expected_variance) < 1e-10);
    }
  }

  void log_marginal_likelihood_matches_dense_formula() {
    std::mt19937_64 rng(3);
    const Data data = smooth_data(6, 3, rng);
    GaussianProcess process = make_process(3);
    QVERIFY(process.set_data(data.x, data.y).ok());
    const double length = 0.5, signal = 0.8, noise = 0.05, mean = -0.2;
    auto value =
        process.log_marginal_likelihood(hyperparameters(3, length, signal, noise, mean), nullptr);
    QVERIFY(value.ok());

    const double offset = data.y.mean();
    const double scale = std::sqrt((data.y.array() - offset).square().sum() / 5.0);
    const Eigen::VectorXd residual = ((data.y.array() - offset) / scale - mean).matrix();
    Eigen::MatrixXd k(6, 6);
    for (int i = 0; i < 6; ++i) {
      for (int j = 0; j < 6; ++j) {
        k(i, j) = matern52(data.x.row(i).transpose(), data.x.row(j).transpose(),
                           Eigen::VectorXd::Constant(3, length), signal) +
                  (i == j ? noise : 0.0);
      }
    }
    const Eigen::FullPivLU<Eigen::MatrixXd> lu(k);
    const double expected = -0.5 * residual.dot(lu.inverse() * residual) -
                            0.5 * std::log(lu.determinant()) -
                            3.0 * std::log(2.0 * std::numbers::pi);
    QVERIFY2(std::abs(*value - expected) < 1e-9,
             qPrintable(QString("%1 vs %2").arg(*value).arg(expected)));
  }

  void log_marginal_likelihood_gradient_matches_finite_differences_data() {
    QTest::addColumn<int>("dimension");
    QTest::addColumn<double>("length");
    QTest::addColumn<double>("noise");
    QTest::addColumn<double>("mean");
    QTest::newRow("1-D short") << 1 << 0.1 << 1e-3 << 0.3;
    QTest::newRow("2-D") << 2 << 0.4 << 1e-2 << -0.5;
    QTest::newRow("6-D long") << 6 << 1.5 << 0.1 << 0.0;
  }
  void log_marginal_likelihood_gradient_matches_finite_differences() {
    QFETCH(int, dimension);
    QFETCH(double, length);
    QFETCH(double, noise);
    QFETCH(double, mean);
    std::mt19937_64 rng(dimension);
    const Data data = smooth_data(20, dimension, rng);
    GaussianProcess process = make_process(dimension);
    QVERIFY(process.set_data(data.x, data.y).ok());
    Eigen::VectorXd values = hyperparameters(dimension, length, 1.3, noise, mean);
    // Different length scales per input, so ARD terms differ.
    for (int i = 0; i < dimension; ++i)
      values[i] += 0.1 * i;
    Eigen::VectorXd analytic;
    QVERIFY(process.log_marginal_likelihood(values, &analytic).ok());
    QCOMPARE(analytic.size(), values.size());
    const double step = 1e-6;
    for (Eigen::Index p = 0; p < values.size(); ++p) {
      Eigen::VectorXd up = values, down = values;
      up[p] += step;
      down[p] -= step;
      const double numeric = (*process.log_marginal_likelihood(up, nullptr) -
                              *process.log_marginal_likelihood(down, nullptr)) /
                             (2.0 * step);
      QVERIFY2(std::abs(numeric - analytic[p]) < 1e-5 * std::max(1.0, std::abs(numeric)),
               qPrintable(QString("hyperparameter %1: analytic %2, numeric %3")
                              .arg(p)
                              .arg(analytic[p])
                              .arg(numeric)));
    }
  }

  void fit_raises_the_likelihood_and_stays_in_bounds() {
    std::mt19937_64 rng(4);
    const Data data = smooth_data(25, 2, rng);
    GaussianProcess process = make_process(2);
    QVERIFY(process.set_data(data.x, data.y).ok());
    const double before =
        *process.log_marginal_likelihood(process.default_hyperparameters(), nullptr);
    QVERIFY(HyperparameterFit().fit(process, rng).ok());
    const Eigen::VectorXd fitted = process.hyperparameters();
    const double after = *process.log_marginal_likelihood(fitted, nullptr);
    QVERIFY2(after > before + 1.0, qPrintable(QString("%1 -> %2").arg(before).arg(after)));
    QVERIFY((fitted.array() >= process.lower_bounds().array() - 1e-9).all());
    QVERIFY((fitted.array() <= process.upper_bounds().array() + 1e-9).all());
    // A fitted model predicts held-out points of this smooth function well.
    const Data held_out = smooth_data(10, 2, rng);
    const auto prediction = process.predict(held_out.x);
    QVERIFY((prediction.mean - held_out.y).cwiseAbs().maxCoeff() < 0.3);
  }

  void rejects_non_finite_or_mismatched_data() {
    GaussianProcess process = make_process(2);
    Eigen::MatrixXd x(2, 2);
    x << 0.1, 0.2, 0.3, 0.4;
    Eigen::VectorXd y(2);
    y << 1.0, std::nan("");
    const auto status = process.set_data(x, y);
    QVERIFY(!status.ok());
    QVERIFY(QString::fromStdString(status.error().message).contains("not finite"));
    QVERIFY(!process.set_data(x, Eigen::VectorXd::Ones(3)).ok());
  }

  void repeated_points_still_factorise() {
    GaussianProcess process = make_process(2);
    const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(8, 2, 0.5);
    Eigen::VectorXd y = Eigen::VectorXd::LinSpaced(8, 1.0, 2.0);
    QVERIFY(process.set_data(x, y).ok());
    QVERIFY(process.set_hyperparameters(hyperparameters(2, 0.3, 1.0, 1e-6, 0.0)).ok());
    const auto prediction = process.predict(x.topRows(1));
    QVERIFY(std::isfinite(prediction.mean[0]));
    QVERIFY(std::abs(prediction.mean[0] - y.mean()) < 1e-3);
  }
};

QTEST_APPLESS_MAIN(TestGaussianProcess)
#include "tst_gaussian_process.moc"

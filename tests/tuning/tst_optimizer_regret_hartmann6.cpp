#include <QtTest>

#include "core/tuning/standard_functions.h"
#include "tests/tuning/median_regret.h"

using namespace afbs::tuning;

class TestOptimizerRegretHartmann6 : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hartmann6_within_100_evaluations() {
    const StandardFunction f = hartmann6();
    const auto regrets = testing::regrets(
        [&](const Eigen::VectorXd& x) -> afbs::Result<Evaluation> {
          return Evaluation{f.evaluate(x), {}};
        },
        f.box, {}, 100, 10, f.minimum);
    const double median = testing::median(regrets);
    QStringList words;
    for (double regret : regrets)
      words << QString::number(regret, 'g', 3);
    qInfo("Hartmann-6, 100 evaluations, regrets over 10 seeds: %s; median %g",
          qPrintable(words.join(' ')), median);
    QVERIFY(median < 0.1);
  }
};

QTEST_APPLESS_MAIN(TestOptimizerRegretHartmann6)
#include "tst_optimizer_regret_hartmann6.moc"

// The B4 probe: a blocked event loop shows up as a stall at least as long as the block.
#include <QElapsedTimer>
#include <QtTest>

#include "ui/event_loop_probe.h"

class TestEventLoopProbe : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void a_blocked_loop_is_a_stall_of_at_least_the_block() {
    afbs::ui::EventLoopProbe probe(5);
    probe.start();
    QTRY_VERIFY(probe.stalls_ms().size() >= 2);
    QElapsedTimer busy;
    busy.start();
    while (busy.elapsed() < 100) {
    }  // the GUI thread does not return to its event loop for 100 ms
    const std::size_t before = probe.stalls_ms().size();
    QTRY_VERIFY(probe.stalls_ms().size() > before);
    probe.stop();
    // A lower bound only: a loaded machine makes stalls longer, never shorter.
    QVERIFY2(probe.max_stall_ms() >= 90.0, qPrintable(QString::number(probe.max_stall_ms())));
    QCOMPARE(probe.stall_quantile_ms(1.0), probe.max_stall_ms());
    QVERIFY(probe.stall_quantile_ms(0.0) <= probe.stall_quantile_ms(0.5));
    QVERIFY(probe.max_stall_at_seconds() >= 0.1);
  }
};

QTEST_MAIN(TestEventLoopProbe)
#include "tst_event_loop_probe.moc"

// ThreadMailbox: the one owner of what crosses between the workbench's threads. Run under
// ThreadSanitizer too (tools/tsan.sh): there the concurrent case checks the hand-off itself.
#include <QtTest>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/common/thread_mailbox.h"

using afbs::ThreadMailbox;

class TestThreadMailbox : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runs_one_task_per_call_oldest_first() {
    ThreadMailbox mailbox;
    std::vector<int> ran;
    QVERIFY(!mailbox.run_oldest());
    for (int i = 0; i < 3; ++i)
      mailbox.post([&ran, i] { ran.push_back(i); });
    QVERIFY(mailbox.run_oldest());
    QCOMPARE(ran, std::vector<int>{0});  // one wake-up, one task
    QVERIFY(mailbox.run_oldest());
    QVERIFY(mailbox.run_oldest());
    QCOMPARE(ran, (std::vector<int>{0, 1, 2}));
    QVERIFY(!mailbox.run_oldest());
  }

  // Values posted from another thread while this one takes them: none lost, none reordered,
  // each one whole (a record of several fields, written by the sender only).
  void values_from_another_thread_arrive_whole_and_in_order() {
    struct Value {
      int number = 0;
      std::vector<int> squares;
    };
    constexpr int kCount = 20000;
    ThreadMailbox mailbox;
    std::vector<Value> received;  // touched by this thread only, inside the tasks
    std::atomic<bool> sender_done{false};
    std::thread sender([&] {
      for (int i = 0; i < kCount; ++i) {
        Value value;
        value.number = i;
        value.squares = {i * i % 1000, (i + 1) * (i + 1) % 1000};
        mailbox.post([&received, value = std::move(value)] { received.push_back(value); });
      }
      sender_done.store(true);
    });
    while (!sender_done.load())
      mailbox.run_oldest();  // takes while the sender posts
    sender.join();
    while (mailbox.run_oldest()) {
    }
    QCOMPARE(int(received.size()), kCount);
    for (int i = 0; i < kCount; ++i) {
      QCOMPARE(received[std::size_t(i)].number, i);
      QCOMPARE(received[std::size_t(i)].squares,
               (std::vector<int>{i * i % 1000, (i + 1) * (i + 1) % 1000}));
    }
  }

  // A task runs outside the lock, so it may post (a run's reports post while one runs), and a
  // task that throws takes nothing else with it.
  void a_task_may_post_and_a_throwing_task_leaves_the_rest() {
    ThreadMailbox mailbox;
    std::vector<int> ran;
    mailbox.post([&] { mailbox.post([&ran] { ran.push_back(2); }); });
    mailbox.post([] { throw std::runtime_error("task failed"); });
    mailbox.post([&ran] { ran.push_back(1); });
    QVERIFY(mailbox.run_oldest());
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, mailbox.run_oldest());
    QVERIFY(mailbox.run_oldest());
    QVERIFY(mailbox.run_oldest());
    QCOMPARE(ran, (std::vector<int>{1, 2}));
    QVERIFY(!mailbox.run_oldest());
  }
};

QTEST_GUILESS_MAIN(TestThreadMailbox)
#include "tst_thread_mailbox.moc"

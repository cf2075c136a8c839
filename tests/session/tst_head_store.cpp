// The pin store: table growth keeps heads, pins per layer, a run's pin source (plain and re-tune),
// and which engine results a head takes.
#include <QtTest>

#include "core/session/head_store.h"

using afbs::HeadState;
using afbs::HeadStore;

namespace {

HeadState pinned_at(double tau) {
  HeadState state;
  state.setting.tau = tau;
  state.pinned = true;
  return state;
}

}  // namespace

class TestHeadStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void growing_keeps_every_head_where_it_was() {
    HeadStore store;
    store.reset(2, 3);
    QVERIFY(store.write(1, 2, pinned_at(0.5)));
    store.grow_to(4, 5);
    QCOMPARE(store.layers(), 4);
    QCOMPARE(store.heads(), 5);
    QCOMPARE(store.state(1, 2).setting.tau, 0.5);
    QVERIFY(store.state(1, 2).pinned);
    QVERIFY(!store.state(2, 1).pinned);
    store.grow_to(1, 1);  // never shrinks
    QCOMPARE(store.layers(), 4);
  }

  void writes_outside_the_table_are_refused() {
    HeadStore store;
    store.reset(2, 2);
    QVERIFY(!store.write(2, 0, pinned_at(0.5)));
    QVERIFY(!store.write(0, -1, pinned_at(0.5)));
    QVERIFY(!store.state(2, 0).pinned);
    for (const HeadState& state : store.states())
      QVERIFY(!state.pinned);
  }

  void pins_are_a_layers_pinned_heads_only() {
    HeadStore store;
    store.reset(2, 4);
    store.write(0, 1, pinned_at(0.4));
    HeadState dense = pinned_at(0.9);
    dense.sparse = false;
    store.write(0, 3, dense);
    store.write(1, 0, pinned_at(0.7));
    const afbs::engine::PinSnapshot pins = store.pins(0);
    QCOMPARE(pins.size(), std::size_t{2});
    QCOMPARE(pins.at(1).setting.tau, 0.4);
    QVERIFY(!pins.at(3).sparse);
    QVERIFY(store.pins(5).empty());
  }

  void a_pin_source_reads_live_pins_and_keeps_the_store_alive() {
    auto store = std::make_shared<HeadStore>();
    store->reset(1, 2);
    const afbs::engine::PinSource source = HeadStore::pin_source(store);
    QVERIFY(source(0).empty());
    store->write(0, 1, pinned_at(0.3));  // a pin made during the run, before the layer starts
    QCOMPARE(source(0).size(), std::size_t{1});
    std::weak_ptr<HeadStore> watch = store;
    store.reset();
    QVERIFY(!watch.expired());  // the run's source still owns it
    QCOMPARE(source(0).at(1).setting.tau, 0.3);
  }

  void a_retune_pins_every_head_not_selected() {
    auto store = std::make_shared<HeadStore>();
    store->reset(2, 4);
    HeadState tuned;
    tuned.setting.tau = 0.6;
    tuned.tuned = true;
    store->write(0, 0, tuned);
    store->write(0, 2, pinned_at(0.2));
    const auto source = HeadStore::pin_source(store, std::set<afbs::HeadKey>{{0, 1}, {0, 2}});
    const afbs::engine::PinSnapshot pins = source(0);
    QCOMPARE(pins.size(), std::size_t{3});  // heads 0, 3 (not selected) and 2 (pinned by hand)
    QVERIFY(!pins.contains(1));
    QCOMPARE(pins.at(0).setting.tau, 0.6);  // keeps its tuned value
    QCOMPARE(pins.at(2).setting.tau, 0.2);
    QCOMPARE(source(1).size(), std::size_t{4});  // no head of layer 1 was selected
    QVERIFY(!store->state(0, 0).pinned);         // the store itself is unchanged
  }

  void results_skip_heads_pinned_here_or_for_the_run() {
    afbs::engine::HeadResult result;
    result.setting.tau = 0.33;
    result.sparsity = 0.7;
    result.error = 0.04;
    result.sparse = true;
    result.meets_target = true;
    const auto after = HeadStore::after_result(HeadState{}, result);
    QVERIFY(after.has_value());
    QCOMPARE(after->setting.tau, 0.33);
    QVERIFY(after->tuned);
    QCOMPARE(after->sparsity, 0.7);
    QVERIFY(!HeadStore::after_result(pinned_at(0.5), result).has_value());
    result.pinned = true;
    QVERIFY(!HeadStore::after_result(HeadState{}, result).has_value());
  }
};

QTEST_GUILESS_MAIN(TestHeadStore)
#include "tst_head_store.moc"

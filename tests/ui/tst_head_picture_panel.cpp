// The head inspector's Block mask tab: images whose colours are the predictor's mask, the
// rung shown, pictures computed on the worker thread (never the GUI's), only the latest asked.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QThread>
#include <QtTest>
#include <atomic>
#include <mutex>

#include "core/attention/head_picture_builder.h"
#include "core/attention/mask_predictor.h"
#include "tests/attention/attention_test_inputs.h"
#include "ui/head_inspector.h"
#include "ui/head_picture_image.h"
#include "ui/head_picture_panel.h"
#include "ui/head_picture_service.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/run_controller.h"
#include "ui/sparsity_heatmap.h"
#include "ui/zoomable_image_view.h"

using afbs::BlockRole;
using afbs::HeadPicture;
using afbs::HeadSetting;
using afbs::ui::HeadPicturePanel;
using afbs::ui::HeadPictureService;

namespace {

HeadSetting known_setting() {
  HeadSetting s;
  s.theta = 0.3;
  s.tau = 0.9;
  s.lambda = 1.0;  // on the known head: 15 blocks skipped, 1 kept block P·V-skipped
  return s;
}

const afbs::test::LocalSinkHeads& known_heads() {
  static const auto heads = afbs::test::local_sink_heads(2, 1, 512, 64, 11);
  return heads;
}

std::vector<HeadPicture> rungs_of_known_head(int head, const HeadSetting& s) {
  std::vector<HeadPicture> pictures;
  for (int length : {256, 512}) {
    auto made =
        afbs::picture_head(known_heads().q, known_heads().k, known_heads().v, head, s, length);
    if (!made) qFatal("%s", made.error().message.c_str());
    pictures.push_back(*made);
  }
  return pictures;
}

// A picture whose every block is `role`, of n × n blocks.
HeadPicture uniform_picture(int blocks, BlockRole role) {
  HeadPicture p;
  p.length_tokens = blocks * 64;
  p.query_blocks = p.key_blocks = blocks;
  p.roles.assign(std::size_t(blocks * blocks), role);
  p.pooled_attention.assign(std::size_t(blocks * blocks), 0.5f);
  return p;
}

}  // namespace

class TestHeadPicturePanel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mask_image_colours_are_the_predictors_mask() {
    const HeadSetting s = known_setting();
    HeadPicturePanel panel;
    panel.show_pictures(0, 1, rungs_of_known_head(1, s));
    QCOMPARE(panel.rung_box()->count(), 2);
    QCOMPARE(panel.shown_rung(), 1);  // the top rung first: 512 tokens
    QVERIFY(panel.status_label()->text().contains("512 tokens"));
    const QImage image = panel.mask_view()->image();
    QCOMPARE(image.size(), QSize(8, 8));

    auto predictor =
        afbs::MaskPredictor::build(known_heads().q, known_heads().k, afbs::BlockShape{});
    QVERIFY(predictor.ok());
    const afbs::BlockMask mask = predictor->predict(1, s);
    const QRgb skipped = afbs::ui::block_role_color(BlockRole::skipped).rgb();
    const QRgb hidden = afbs::ui::block_role_color(BlockRole::hidden).rgb();
    const QRgb forced = afbs::ui::block_role_color(BlockRole::forced).rgb();
    const QRgb pv = afbs::ui::block_role_color(BlockRole::pv_skipped).rgb();
    int skipped_seen = 0, pv_seen = 0;
    for (int i = 0; i < 8; ++i) {
      for (int j = 0; j < 8; ++j) {
        const QRgb pixel = image.pixel(j, i);
        if (j > i) {
          QCOMPARE(pixel, hidden);
        } else if (!mask.kept(i, j)) {
          QCOMPARE(pixel, skipped);
          ++skipped_seen;
        } else {
          QVERIFY(pixel != skipped && pixel != hidden);
          if (pixel == pv) ++pv_seen;
          if ((j == 0 || j == i) && pixel != pv) QCOMPARE(pixel, forced);
        }
      }
    }
    QVERIFY2(skipped_seen > 0 && pv_seen > 0,
             qPrintable(QString("skipped %1, P·V-skipped %2: the known head should show both")
                            .arg(skipped_seen)
                            .arg(pv_seen)));
    // Both views zoom together, and a tooltip names a block's role.
    panel.mask_view()->set_zoom(10.0);
    QCOMPARE(panel.attention_view()->zoom(), 10.0);
    QVERIFY(panel.describe_block(7, 0).contains("query block 7, key block 0"));
    QVERIFY(panel.describe_block(0, 7).contains("not visible"));
  }

  void a_rung_change_keeps_the_zoom_and_a_message_clears() {
    HeadPicturePanel panel;
    panel.show_pictures(
        1, 2, {uniform_picture(4, BlockRole::kept), uniform_picture(16, BlockRole::forced)});
    QCOMPARE(panel.mask_view()->image().size(), QSize(16, 16));
    QCOMPARE(panel.mask_view()->image().pixel(3, 3),
             afbs::ui::block_role_color(BlockRole::forced).rgb());
    panel.mask_view()->set_zoom(12.0);
    panel.rung_box()->setCurrentIndex(0);
    QCOMPARE(panel.mask_view()->image().size(), QSize(4, 4));
    QCOMPARE(panel.mask_view()->zoom(), 12.0);
    QCOMPARE(panel.mask_view()->image().pixel(3, 3),
             afbs::ui::block_role_color(BlockRole::kept).rgb());
    // New pictures of the head, even after a message, keep the rung the person chose.
    panel.show_message("computing");
    panel.show_pictures(
        1, 2, {uniform_picture(4, BlockRole::kept), uniform_picture(16, BlockRole::forced)});
    QCOMPARE(panel.shown_rung(), 0);
    panel.show_message("computing");
    QCOMPARE(panel.shown_rung(), -1);
    QVERIFY(!panel.rung_box()->isEnabled());
    QVERIFY(panel.mask_view()->image().isNull());
  }

  void pictures_are_computed_on_the_worker_thread_latest_request_only() {
    afbs::ui::RunController runner;
    HeadPictureService service(&runner);
    std::mutex mutex;
    std::vector<std::pair<int, QThread*>> calls;  // head asked, thread it ran on
    std::atomic<bool> release{false}, entered{false};
    service.set_source([&](int, int head, const HeadSetting&, afbs::StopFlags) {
      if (head == 0) entered.store(true);
      while (head == 0 && !release.load())  // holds the worker so later requests queue up
        QThread::msleep(1);
      std::lock_guard lock(mutex);
      calls.emplace_back(head, QThread::currentThread());
      return afbs::Result<std::vector<HeadPicture>>(
          std::vector<HeadPicture>{uniform_picture(2, BlockRole::kept)});
    });
    std::vector<int> answered;
    connect(&service, &HeadPictureService::ready, this,
            [&](int, int head, const std::vector<HeadPicture>&) { answered.push_back(head); });
    QVERIFY(service.request(0, 0, HeadSetting{}));
    QTRY_VERIFY(entered.load());                    // the worker is busy with head 0
    QVERIFY(service.request(0, 1, HeadSetting{}));  // superseded by the next while queued
    QVERIFY(service.request(0, 2, HeadSetting{}));
    release.store(true);
    QTRY_COMPARE(answered, std::vector<int>{2});  // head 0's answer is stale: dropped
    std::lock_guard lock(mutex);
    QCOMPARE(calls.size(), std::size_t(2));  // heads 0 and 2; head 1 never ran
    QCOMPARE(calls[1].first, 2);
    for (const auto& call : calls)
      QVERIFY(call.second != QThread::currentThread());
  }

  void inspector_asks_for_the_heads_current_setting() {
    afbs::ui::MainWindow window;
    window.heatmap_model()->set_dimensions(2, 4);
    std::mutex mutex;
    std::vector<HeadSetting> asked;
    window.picture_service()->set_source([&](int, int head, const HeadSetting& s, afbs::StopFlags) {
      std::lock_guard lock(mutex);
      asked.push_back(s);
      return afbs::Result<std::vector<HeadPicture>>(rungs_of_known_head(head % 2, s));
    });
    afbs::ui::HeadInspector* inspector = window.head_inspector();
    inspector->show_head(1, 3, {});
    QVERIFY(asked.empty());  // only while the Block mask tab shows
    inspector->detail_tabs()->setCurrentWidget(inspector->picture_panel());
    QTRY_COMPARE(inspector->picture_panel()->rung_box()->count(), 2);
    // An override re-draws at the new θ/τ/λ.
    inspector->tau_box()->setValue(0.5);
    inspector->apply_button()->click();
    QTRY_VERIFY(inspector->picture_panel()->rung_box()->count() == 2 && [&] {
      std::lock_guard lock(mutex);
      return asked.size() == 2 && asked.back().tau == 0.5;
    }());
    // Without a source the tab says what to do.
    window.picture_service()->set_source({});
    inspector->refresh_pictures();
    QVERIFY(inspector->picture_panel()->status_label()->text().contains("Open a model"));
  }
};

QTEST_MAIN(TestHeadPicturePanel)
#include "tst_head_picture_panel.moc"

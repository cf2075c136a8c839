#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <vector>

#include "ui/head_picture_source.h"

namespace afbs::ui {

class RunController;

// Computes head pictures on the worker thread (behind a run in progress, never beside it) and
// hands them back on the GUI thread. Only the latest request counts: an older one still queued
// is skipped, and an older answer is dropped.
class HeadPictureService : public QObject {
  Q_OBJECT
 public:
  explicit HeadPictureService(RunController* runner, QObject* parent = nullptr);

  void set_source(HeadPictureSource source);  // empty: no model to draw from
  bool has_source() const { return bool(source_); }
  // Returns false (and asks nothing) without a source.
  bool request(int layer, int head, const HeadSetting& setting);
  // Whether a request now waits for a run to end first.
  bool behind_run() const;

 Q_SIGNALS:
  void ready(int layer, int head, const std::vector<afbs::HeadPicture>& pictures);
  void failed(int layer, int head, const QString& message);

 private:
  RunController* runner_;
  HeadPictureSource source_;
  std::shared_ptr<std::atomic<int>> latest_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace afbs::ui

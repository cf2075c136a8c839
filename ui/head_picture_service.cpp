#include "ui/head_picture_service.h"

#include <QPointer>
#include <exception>

#include "ui/run_controller.h"

namespace afbs::ui {

HeadPictureService::HeadPictureService(RunController* runner, QObject* parent)
    : QObject(parent), runner_(runner) {}

void HeadPictureService::set_source(HeadPictureSource source) {
  source_ = std::move(source);
  latest_->fetch_add(1);  // answers from the old source are stale
}

bool HeadPictureService::behind_run() const {
  return runner_->running();
}

bool HeadPictureService::request(int layer, int head, const HeadSetting& setting) {
  if (!source_) return false;
  const int ticket = latest_->fetch_add(1) + 1;
  QPointer<HeadPictureService> self(this);
  runner_->run_on_worker([self, runner = runner_, source = source_, latest = latest_, ticket, layer,
                          head, setting](StopFlags stop) {
    if (latest->load() != ticket) return;  // a newer request is queued behind this one
    Result<std::vector<HeadPicture>> pictures = Error{"no pictures"};
    try {
      pictures = source(layer, head, setting, stop);
    } catch (const std::exception& error) {  // never into the worker's event loop
      pictures = Error{error.what()};
    }
    // Back to the GUI thread (`self` is only read there), dropped if the service is gone or the
    // answer is stale. The runner outlives its worker's tasks.
    runner->run_on_gui([self, latest, ticket, layer, head, pictures = std::move(pictures)] {
      if (!self || latest->load() != ticket) return;
      if (pictures) {
        Q_EMIT self->ready(layer, head, *pictures);
      } else {
        Q_EMIT self->failed(layer, head, QString::fromStdString(pictures.error().message));
      }
    });
  });
  return true;
}

}  // namespace afbs::ui

#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <filesystem>
#include <functional>

#include "core/attention/sparse_config.h"
#include "core/common/result.h"
#include "ui/head_picture_source.h"
#include "ui/tuning_job.h"

namespace afbs::ui {

// What the workbench needs of a model folder to show it and tune it: the model panel's rows,
// its shape, its identity (for configs and sessions), who builds the jobs Start runs and who
// draws a head's block mask from the session's captures.
struct OpenedModel {
  QString dir;
  QList<QPair<QString, QString>> rows;
  int layers = 0;
  int heads = 0;
  int context_tokens = 0;
  ModelIdentity identity;
  TuningJobFactory jobs;
  HeadPictureSource pictures;  // the head inspector's Block mask tab (may be empty)
};

// Reads a model folder (quickly: config and headers; the weights load with the first run, on
// the worker thread). The app supplies it, since it knows how models are loaded.
using ModelOpener = std::function<Result<OpenedModel>(const std::filesystem::path& dir)>;

}  // namespace afbs::ui

#pragma once

// Wiring between the workbench and a real model: the jobs the Start button runs. Torch-free.

#include <QList>
#include <QPair>
#include <QString>
#include <filesystem>
#include <memory>

#include "core/common/result.h"
#include "core/session/tuning_session.h"
#include "ui/opened_model.h"
#include "ui/tuning_job.h"

namespace afbs::app {

// What the model panel and the heatmap need of `model_dir` (config.json and tensor headers
// only, so it is quick).
struct ModelSummary {
  QList<QPair<QString, QString>> rows;
  int layers = 0;
  int heads = 0;
  int context_tokens = 0;
  ModelIdentity identity;  // what configs for this model carry
};
Result<ModelSummary> describe_model(const std::filesystem::path& model_dir);

// The session a model's jobs and pictures share: empty until the first job prepares it. Only
// the worker thread touches what it holds.
using SessionSlot = std::shared_ptr<std::unique_ptr<TuningSession>>;

// Jobs that tune `base.model_dir` with the options chosen in the run panel. The session
// (model, tokens, captured Q/K/V) is prepared by the first job on the worker thread and
// reused by later ones; another fidelity ladder re-captures Q/K/V with the loaded model. Jobs
// never run concurrently (the run controller refuses that).
ui::TuningJobFactory make_session_job_factory(
    SessionOptions base, SessionSlot session = std::make_shared<std::unique_ptr<TuningSession>>());

// The head inspector's pictures from `session`'s captures (TuningSession::picture_head); an
// error saying to start a run while no run has prepared the session.
ui::HeadPictureSource make_head_picture_source(SessionSlot session);

// Opens model folders for the workbench: describe_model, and jobs from
// make_session_job_factory with `base` aimed at the folder, and pictures from the same session.
ui::ModelOpener make_model_opener(SessionOptions base);

}  // namespace afbs::app

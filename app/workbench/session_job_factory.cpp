#include "app/workbench/session_job_factory.h"

#include <QObject>
#include <chrono>
#include <memory>

#include "core/model/model_config.h"
#include "core/session/model_identity.h"
#include "core/session/run_accounting.h"

namespace afbs::app {

Result<ModelSummary> describe_model(const std::filesystem::path& model_dir) {
  auto config = load_model_config(model_dir);
  if (!config) return config.error();
  auto identity = identify_model(model_dir, *config);
  if (!identity) return identity.error();
  auto text = [](auto value) { return QString::number(value); };
  ModelSummary summary;
  summary.layers = static_cast<int>(config->num_layers);
  summary.heads = static_cast<int>(config->num_heads);
  summary.context_tokens = static_cast<int>(config->max_position_embeddings);
  summary.identity = *identity;
  summary.rows = {
      {QObject::tr("Name"), QString::fromStdString(identity->name)},
      {QObject::tr("Architecture"), QString::fromStdString(config->architecture)},
      {QObject::tr("Layers"), text(config->num_layers)},
      {QObject::tr("Heads"),
       QObject::tr("%1 (KV %2)").arg(config->num_heads).arg(config->num_kv_heads)},
      {QObject::tr("Head size"), text(config->head_dim)},
      {QObject::tr("Context"), QObject::tr("%1 tokens").arg(config->max_position_embeddings)},
      {QObject::tr("Stored dtype"), QString::fromStdString(config->torch_dtype)},
      {QObject::tr("Fingerprint"), QString::fromStdString(identity->fingerprint)},
  };
  return summary;
}

ui::TuningJobFactory make_session_job_factory(SessionOptions base, SessionSlot session) {
  return [base, session](const engine::EngineOptions& options,
                         engine::PinSource pins) -> ui::TuningJob {
    return [base, session, options, pins](engine::TuningObserver& observer,
                                          engine::RunControl control) {
      auto say = [&](const std::string& line) { observer.on_log(line); };
      // A stop while loading or capturing is a cancel, not a failure.
      auto failed = [](const Error& error, StopFlags stop) {
        engine::RunResult result;
        result.status = stop.cancelled() ? engine::RunStatus::Cancelled : engine::RunStatus::Failed;
        result.message = error.message;
        result.out_of_memory = error.out_of_memory;
        return result;
      };
      const StopFlags stop{control.cancel, control.pause};
      auto* phases = dynamic_cast<engine::PhaseObserver*>(&observer);
      const auto seconds_since = [](std::chrono::steady_clock::time_point start) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      };
      const auto prepare_started = std::chrono::steady_clock::now();
      const SessionCosts before = *session ? (*session)->costs() : SessionCosts{};
      if (!*session) {
        SessionOptions prepared = base;
        prepared.engine = options;
        auto made = TuningSession::prepare(prepared, say, stop, phases);
        if (!made) return failed(made.error(), stop);
        *session = std::move(*made);
      } else if ((!options.fidelity_lengths.empty() &&
                  (*session)->ladder() != options.fidelity_lengths) ||
                 (*session)->blocks() != options.blocks) {
        // Another top length or block shape: new captures, the same loaded model.
        if (Status captured =
                (*session)->recapture(options.fidelity_lengths, options.blocks, say, stop, phases);
            !captured)
          return failed(captured.error(), stop);
      }
      const double prepare_seconds = seconds_since(prepare_started);
      const auto run_started = std::chrono::steady_clock::now();
      engine::RunResult result = (*session)->run(options, &observer, control, pins);
      // Where this run's time went, as afbs-tune --json reports it (docs/accounting.md).
      const RunAccounting accounting =
          account_run(costs_since(before, (*session)->costs()), result, prepare_seconds,
                      seconds_since(run_started), 0.0);
      std::string text = accounting_text(accounting);
      while (!text.empty() && text.back() == '\n')
        text.pop_back();
      say(text);
      return result;
    };
  };
}

ui::HeadPictureSource make_head_picture_source(SessionSlot session) {
  return [session](int layer, int head, const HeadSetting& setting,
                   StopFlags stop) -> Result<std::vector<HeadPicture>> {
    if (!*session) {
      return Error{QObject::tr("No Q/K/V captured yet: start a run, then the block mask shows")
                       .toStdString()};
    }
    return (*session)->picture_head(layer, head, setting, stop);
  };
}

ui::ModelOpener make_model_opener(SessionOptions base) {
  return [base](const std::filesystem::path& model_dir) -> Result<ui::OpenedModel> {
    auto summary = describe_model(model_dir);
    if (!summary) return summary.error();
    SessionOptions options = base;
    options.model_dir = model_dir;
    ui::OpenedModel opened;
    opened.dir = QString::fromStdString(model_dir.string());
    opened.rows = summary->rows;
    opened.layers = summary->layers;
    opened.heads = summary->heads;
    opened.context_tokens = summary->context_tokens;
    opened.identity = summary->identity;
    auto session = std::make_shared<std::unique_ptr<TuningSession>>();
    opened.jobs = make_session_job_factory(options, session);
    opened.pictures = make_head_picture_source(session);
    return opened;
  };
}

}  // namespace afbs::app

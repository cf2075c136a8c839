#include "app/workbench/session_job_factory.h"

#include <QObject>
#include <memory>

#include "core/model/model_config.h"
#include "core/session/model_identity.h"

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

ui::TuningJobFactory make_session_job_factory(SessionOptions base) {
  auto session = std::make_shared<std::unique_ptr<TuningSession>>();
  return [base, session](const engine::EngineOptions& options,
                         engine::PinSource pins) -> ui::TuningJob {
    return [base, session, options, pins](engine::TuningObserver& observer,
                                          engine::RunControl control) {
      const bool other_ladder = *session && !options.fidelity_lengths.empty() &&
                                (*session)->ladder() != options.fidelity_lengths;
      if (!*session || other_ladder) {
        session->reset();  // free the old captures before making new ones
        SessionOptions prepared = base;
        prepared.engine = options;
        if (!options.fidelity_lengths.empty())
          prepared.max_top_length = options.fidelity_lengths.back();
        auto made = TuningSession::prepare(prepared,
                                           [&](const std::string& line) { observer.on_log(line); });
        if (!made) {
          engine::RunResult failed;
          failed.status = engine::RunStatus::Failed;
          failed.message = made.error().message;
          return failed;
        }
        *session = std::move(*made);
      }
      return (*session)->run(options, &observer, control, pins);
    };
  };
}

}  // namespace afbs::app

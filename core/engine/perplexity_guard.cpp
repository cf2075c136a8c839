#include "core/engine/perplexity_guard.h"

#include <exception>
#include <string>

#include "core/attention/sparse_layer_attention.h"
#include "core/engine/run_config.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/model/torch_errors.h"

namespace afbs::engine {

Result<SparseConfig> overlay_layers(SparseConfig base, const std::vector<LayerResult>& layers) {
  const std::optional<TuningSummary> summary = base.tuning;
  RunResult run;
  run.layers = layers;
  if (Status applied = apply_run_to_config(run, {}, base); !applied) return applied.error();
  base.tuning = summary;  // only the heads change here
  return base;
}

PerplexityMeasure make_perplexity_measure(const Model& model, GuardText text, SparseConfig base) {
  return [&model, text = std::move(text),
          base = std::move(base)](const std::vector<LayerResult>& layers) -> Result<double> {
    Result<SparseConfig> config = overlay_layers(base, layers);
    if (!config) return with_context("guard config", config.error());
    try {
      SparseLayerAttention attention(std::move(*config), &model.dense_attention());
      PerplexityOptions options;
      options.window_tokens = text.window_tokens;
      options.max_windows = text.max_windows;
      options.prepend_bos = text.prepend_bos;
      options.bos_id = text.bos_id;
      options.attention = &attention;
      options.stop = text.stop;
      std::function<void(const PerplexityProgress&)> progress;
      if (text.progress) {
        progress = [&text](const PerplexityProgress& p) {
          text.progress(static_cast<int>(p.windows_done), static_cast<int>(p.windows_total),
                        p.seconds);
        };
      }
      Result<PerplexityResult> result = compute_perplexity(model, text.tokens, options, progress);
      if (!result) return with_context("guard", result.error());
      return result->perplexity;
    } catch (const std::exception& e) {
      return torch_error("guard perplexity", e);
    }
  };
}

}  // namespace afbs::engine

#pragma once

// A seam for out-of-memory tests (docs/reliability.md, "GPU out of memory"), like
// write_faults.h for the disk: the evaluator and the model's layer step ask it before their
// work, and throw what a CUDA allocation that fails throws (c10::OutOfMemoryError, through
// core/model/torch_errors.h) when the hook says so. So the handling of a GPU running out of
// memory is tested on the CPU. No hook is installed outside tests.

#include <cstdint>
#include <functional>

namespace afbs {

enum class MemoryFaultSite {
  Evaluate,      // AttentionEvaluator::evaluate: one batched call (layer, length)
  LayerForward,  // Model::advance: one layer of a forward (capture, guard, perplexity)
};

const char* memory_fault_site_name(MemoryFaultSite site);

// Answers whether the work at `site` on `layer` at `length_tokens` should run out of memory.
using MemoryFaultHook = std::function<bool(MemoryFaultSite site, int layer, int64_t length_tokens)>;

// Installs `hook` for every thread; an empty hook removes it.
void set_memory_fault_hook(MemoryFaultHook hook);

// True when the installed hook fails this step.
bool memory_fault(MemoryFaultSite site, int layer, int64_t length_tokens);

}  // namespace afbs

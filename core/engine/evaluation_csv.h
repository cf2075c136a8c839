#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/engine/tuning_observer.h"

namespace afbs::engine {

// The header row of the evaluation CSV, one column per EvaluationRecord field.
std::string evaluation_csv_header();

// Every evaluation as CSV text (header row first, "\n" line ends, full double precision).
std::string format_evaluations_csv(const std::vector<EvaluationRecord>& records);

// Writes the CSV atomically; on error `path` is left as it was.
Status write_evaluations_csv(const std::string& path, const std::vector<EvaluationRecord>& records);

}  // namespace afbs::engine

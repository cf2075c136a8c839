#pragma once

#include <QString>
#include <QStringList>

#include "core/engine/tuning_engine.h"
#include "ui/message_bar.h"

namespace afbs::ui {

// How a finished run should be reported: a plain success, a success that deserves a warning
// (every head came out dense), a cancel, or a failure (out of memory: with what to lower).
struct RunOutcome {
  Severity severity = Severity::Information;
  QString status_text;  // the status bar's word on the run
  QString warning;      // shown under the run's line: a warning's text, or a failure's advice
};

RunOutcome judge_run(const engine::RunResult& result);

// A budget run's result for the Log, as `afbs-tune tune` prints it: the budget and multiplier,
// the measured rise, and which allocation the config is. `perplexity_budget` is a fraction.
QStringList budget_report(const engine::RunResult& result, double perplexity_budget);

}  // namespace afbs::ui

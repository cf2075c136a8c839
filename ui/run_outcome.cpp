#include "ui/run_outcome.h"

#include <QCoreApplication>

#include "core/engine/budget_summary.h"

namespace afbs::ui {
namespace {

QString tr(const char* text) {
  return QCoreApplication::translate("RunOutcome", text);
}

}  // namespace

RunOutcome judge_run(const engine::RunResult& result) {
  RunOutcome outcome;
  switch (result.status) {
    case engine::RunStatus::Failed:
      outcome.severity = Severity::Error;
      outcome.status_text = tr("Run failed");
      if (result.out_of_memory) {
        outcome.status_text = tr("Run failed: out of memory");
        outcome.warning =
            tr("Out of memory: lower the top length n_F in the run settings "
               "(captures grow with it, attention with its square).");
      }
      return outcome;
    case engine::RunStatus::Cancelled:
      outcome.status_text = tr("Run cancelled");
      return outcome;
    case engine::RunStatus::Succeeded:
      break;
  }
  outcome.status_text = tr("Run succeeded");
  int tuned = 0;
  int sparse = 0;
  for (const engine::LayerResult& layer : result.layers) {
    for (const engine::HeadResult& head : layer.heads) {
      if (head.pinned) continue;  // the person's choice, not the run's result
      ++tuned;
      if (head.sparse) ++sparse;
    }
  }
  if (tuned > 0 && sparse == 0) {
    outcome.severity = Severity::Warning;
    outcome.status_text = tr("Run succeeded: every head dense");
    outcome.warning = tr("Every tuned head came out dense, so nothing is skipped. The error "
                         "target ε₁ %1 may be too tight for this model.")
                          .arg(result.target_error);
  }
  return outcome;
}

QStringList budget_report(const engine::RunResult& result, double perplexity_budget) {
  const engine::BudgetSummary summary = engine::summarise_budget(result, perplexity_budget);
  QString budget = tr("Budget %1").arg(QString::fromStdString(summary.budget));
  if (result.perplexity_dense && result.perplexity_tuned && *result.perplexity_dense > 0.0) {
    budget +=
        tr("; perplexity %1 dense, %2 tuned (%3 %)")
            .arg(*result.perplexity_dense, 0, 'f', 4)
            .arg(*result.perplexity_tuned, 0, 'f', 4)
            .arg(QString::asprintf(
                "%+.3f", 100.0 * (*result.perplexity_tuned / *result.perplexity_dense - 1.0)));
  }
  return {budget, tr("Allocation: %1").arg(QString::fromStdString(summary.allocation))};
}

}  // namespace afbs::ui

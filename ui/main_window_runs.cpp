// MainWindow: the session's runs (the Runs tab) — keeping each run, showing one again, and
// overlaying two on the Convergence and Quality charts.

#include <QTabWidget>
#include <algorithm>

#include "ui/convergence_chart.h"
#include "ui/main_window.h"
#include "ui/quality_chart.h"
#include "ui/run_controller.h"
#include "ui/runs_view.h"

namespace afbs::ui {
namespace {

std::vector<engine::QualityPoint> by_length(std::vector<engine::QualityPoint> points) {
  std::sort(points.begin(), points.end(),
            [](const auto& a, const auto& b) { return a.length_tokens < b.length_tokens; });
  return points;
}

}  // namespace

void MainWindow::record_run(const engine::RunResult& result) {
  RunEntry entry = started_run_;
  if (entry.number == 0) entry.number = run_history_->next_number();
  entry.status = QString::fromUtf8(engine::run_status_name(result.status));
  entry.evaluations = result.counts.evaluations;
  entry.weighted_evaluations = result.counts.weighted_evaluations;
  entry.seconds = result.counts.seconds;
  double sparsity_sum = 0.0;
  for (const engine::LayerResult& layer : result.layers) {
    for (const engine::HeadResult& head : layer.heads) {
      if (!head.sparse || head.measured)
        entry.head_sparsity[{layer.layer, head.head}] = head.sparse ? head.sparsity : 0.0;
      if (head.pinned) continue;  // the person's choice, not this run's result
      ++entry.heads;
      if (head.meets_target) ++entry.meeting_target;
      sparsity_sum += head.sparse ? head.sparsity : 0.0;
    }
  }
  entry.mean_sparsity = entry.heads > 0 ? sparsity_sum / entry.heads : 0.0;
  // The quality pass's top length, else the guard's measurement.
  if (!quality_points_.empty()) {
    // A copy: by_length returns a temporary (a reference into it dangled; ThreadSanitizer's
    // heap checks found it).
    const engine::QualityPoint top = by_length(quality_points_).back();
    entry.perplexity_dense = top.perplexity_dense;
    entry.perplexity_tuned = top.perplexity_tuned;
  } else if (result.perplexity_dense && result.perplexity_tuned) {
    entry.perplexity_dense = *result.perplexity_dense;
    entry.perplexity_tuned = *result.perplexity_tuned;
  }
  entry.records = run_records_;
  entry.quality = quality_points_;
  run_history_->add(std::move(entry));
  started_run_ = RunEntry{};
}

// Perplexity by length; beside it the K/V traffic (computed) and, where a GPU measured it, the
// peak device memory (measured) on its own axis: each line's name says which it is.
void MainWindow::show_quality(const std::vector<engine::QualityPoint>& current,
                              const QString& current_name,
                              const std::vector<engine::QualityPoint>& reference,
                              const QString& reference_name) {
  constexpr double kMiB = 1024.0 * 1024.0;
  quality_->clear_curves();
  traffic_->clear_curves();
  bool measured = false;
  // The run's lines, named after `name`; the dense ones too when `with_dense`.
  auto show = [&](const std::vector<engine::QualityPoint>& points, const QString& name,
                  bool with_dense) {
    std::vector<int> lengths, peak_lengths;
    std::vector<double> dense, tuned, dense_mib, tuned_mib, peak_mib;
    for (const engine::QualityPoint& p : by_length(points)) {
      lengths.push_back(p.length_tokens);
      dense.push_back(p.perplexity_dense);
      tuned.push_back(p.perplexity_tuned);
      dense_mib.push_back(p.kv_bytes_dense / kMiB);
      tuned_mib.push_back(p.kv_bytes_tuned / kMiB);
      if (p.peak_device_bytes) {
        peak_lengths.push_back(p.length_tokens);
        peak_mib.push_back(*p.peak_device_bytes / kMiB);
      }
    }
    if (with_dense) {
      quality_->set_curve(QStringLiteral("dense"), lengths, dense);
      traffic_->set_curve(tr("dense (computed)"), lengths, dense_mib);
    }
    quality_->set_curve(name, lengths, tuned);
    traffic_->set_curve(tr("%1 (computed)").arg(name), lengths, tuned_mib);
    if (!peak_lengths.empty()) {
      measured = true;
      const QString peak_name =
          with_dense ? tr("peak (measured)") : tr("%1 peak (measured)").arg(name);
      traffic_->set_curve(peak_name, peak_lengths, peak_mib, QualityChart::Side::Right);
    }
  };
  if (!reference.empty()) show(reference, reference_name, false);
  if (!current.empty()) show(current, current_name, true);
  // Only a CUDA allocator measures a peak: on the CPU the chart says so rather than show zeros.
  traffic_->set_note(measured ? QString() : tr("peak device memory: measured on a GPU only"));
}

bool MainWindow::show_run(int number) {
  const RunEntry* run = run_history_->find(number);
  if (run_controller_->running() || run == nullptr) {
    notify(Severity::Warning, run == nullptr ? tr("There is no run #%1.").arg(number)
                                             : tr("A run is going: look back when it has ended."));
    return false;
  }
  convergence_->clear();
  convergence_->set_baseline({});
  convergence_->set_error_target(run->l1_target);
  convergence_->add_records(run->records);
  show_quality(run->quality, run->label(), {}, {});
  runs_view_->show_comparison(tr("%1 is on the Convergence and Quality charts.").arg(run->label()));
  return true;
}

bool MainWindow::compare_runs(int reference, int other) {
  const RunEntry* a = run_history_->find(reference);
  const RunEntry* b = run_history_->find(other);
  if (run_controller_->running() || a == nullptr || b == nullptr) {
    notify(Severity::Warning,
           a == nullptr || b == nullptr
               ? tr("Compare: run #%1 or #%2 does not exist.").arg(reference).arg(other)
               : tr("A run is going: compare runs when it has ended."));
    return false;
  }
  // The other run's evaluations as points; the reference as a dashed best-so-far per head.
  convergence_->clear();
  convergence_->set_error_target(b->l1_target);
  convergence_->add_records(b->records);
  convergence_->set_baseline(a->records, a->label());
  show_quality(b->quality, b->label(), a->quality, a->label());
  runs_view_->show_comparison(
      compare_runs_text(*a, *b) +
      tr("\nOverlaid on the Convergence and Quality charts (%1 dashed).").arg(a->label()));
  return true;
}

}  // namespace afbs::ui

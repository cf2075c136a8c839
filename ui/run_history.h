#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QString>
#include <vector>

#include "core/engine/tuning_observer.h"
#include "ui/sparsity_diff.h"

namespace afbs::ui {

// One run of the session as it is kept: what was asked, what it came to, and its evaluations
// and quality points (so it can be shown again or overlaid on another run).
struct RunEntry {
  int number = 0;          // 1-based, in the order the runs started
  QString method;          // as the run panel named it ("afbs-bo", "grid", "static topk:0.5")
  QString scope;           // "all layers", "layers 2–5", "3 selected heads"
  double l1_target = 0.0;  // ε₁ and ε₂ asked for
  double pv_l1_target = 0.0;
  int top_length_tokens = 0;
  QDateTime started;
  QString status;  // "succeeded", "cancelled", "failed"
  std::int64_t evaluations = 0;
  double weighted_evaluations = 0.0;
  double seconds = 0.0;
  int heads = 0;  // heads the run tuned (pinned ones excluded)
  int meeting_target = 0;
  double mean_sparsity = 0.0;     // over the heads it tuned, dense heads counting 0
  double perplexity_dense = 0.0;  // 0: not measured
  double perplexity_tuned = 0.0;
  std::vector<engine::EvaluationRecord> records;
  std::vector<engine::QualityPoint> quality;
  HeadSparsities head_sparsity;  // each head the run reported (dense 0), for the heatmap diff

  QString label() const;  // "#2 grid"
};

// The session's runs as a table, newest last; sortable through a proxy. Each column's Qt::UserRole
// is its number (or text), so sorting is by value.
class RunHistory : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    Number,
    Method,
    Scope,
    Status,
    Evaluations,
    Seconds,
    MeanSparsity,
    MeetingTarget,
    PerplexityRise,
    ColumnCount
  };

  using QAbstractTableModel::QAbstractTableModel;

  void add(RunEntry entry);
  void set_runs(std::vector<RunEntry> runs);
  const std::vector<RunEntry>& runs() const { return runs_; }
  // The run numbered `number`, or nullptr.
  const RunEntry* find(int number) const;
  int next_number() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::vector<RunEntry> runs_;
};

// "B against A" in words: evaluations and time as ratios, sparsity, heads on target and
// perplexity as differences.
QString compare_runs_text(const RunEntry& a, const RunEntry& b);

}  // namespace afbs::ui

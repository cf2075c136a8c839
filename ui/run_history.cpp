#include "ui/run_history.h"

#include <algorithm>

namespace afbs::ui {
namespace {

double rise_percent(const RunEntry& run) {
  return run.perplexity_dense > 0.0 ? 100.0 * (run.perplexity_tuned / run.perplexity_dense - 1.0)
                                    : 0.0;
}

QString ratio(double a, double b) {
  return b > 0.0 ? QString::number(a / b, 'f', 2) + QStringLiteral("×") : QStringLiteral("–");
}

}  // namespace

QString RunEntry::label() const {
  return QStringLiteral("#%1 %2").arg(number).arg(method);
}

void RunHistory::add(RunEntry entry) {
  const int row = int(runs_.size());
  beginInsertRows({}, row, row);
  runs_.push_back(std::move(entry));
  endInsertRows();
}

void RunHistory::set_runs(std::vector<RunEntry> runs) {
  beginResetModel();
  runs_ = std::move(runs);
  endResetModel();
}

const RunEntry* RunHistory::find(int number) const {
  const auto found = std::find_if(runs_.begin(), runs_.end(),
                                  [number](const RunEntry& run) { return run.number == number; });
  return found == runs_.end() ? nullptr : &*found;
}

int RunHistory::next_number() const {
  return runs_.empty() ? 1 : runs_.back().number + 1;
}

int RunHistory::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(runs_.size());
}

int RunHistory::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunHistory::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(runs_.size())) return {};
  const RunEntry& run = runs_[std::size_t(index.row())];
  const bool measured = run.perplexity_dense > 0.0;
  if (role == Qt::UserRole) {
    switch (index.column()) {
      case Number:
        return run.number;
      case Evaluations:
        return qlonglong(run.evaluations);
      case Seconds:
        return run.seconds;
      case MeanSparsity:
        return run.mean_sparsity;
      case MeetingTarget:
        return run.meeting_target;
      case PerplexityRise:
        return measured ? rise_percent(run) : 1e300;  // unmeasured sorts last
      default:
        return data(index, Qt::DisplayRole);
    }
  }
  if (role == Qt::TextAlignmentRole && index.column() >= Evaluations)
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole) {
    return tr("%1, started %2\nε₁ %3  ε₂ %4, top length %5 tokens\n%6 weighted evaluations")
        .arg(run.label(), run.started.toString(Qt::ISODate))
        .arg(run.l1_target)
        .arg(run.pv_l1_target)
        .arg(run.top_length_tokens)
        .arg(run.weighted_evaluations, 0, 'f', 1);
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Number:
      return run.number;
    case Method:
      return run.method;
    case Scope:
      return run.scope;
    case Status:
      return run.status;
    case Evaluations:
      return QString::number(run.evaluations);
    case Seconds:
      return QString::number(run.seconds, 'f', 1);
    case MeanSparsity:
      return QString::number(run.mean_sparsity, 'f', 3);
    case MeetingTarget:
      return QStringLiteral("%1/%2").arg(run.meeting_target).arg(run.heads);
    case PerplexityRise:
      return measured ? QStringLiteral("%1 %").arg(rise_percent(run), 0, 'f', 2)
                      : QStringLiteral("–");
    default:
      return {};
  }
}

QVariant RunHistory::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Number:
      return tr("#");
    case Method:
      return tr("method");
    case Scope:
      return tr("scope");
    case Status:
      return tr("status");
    case Evaluations:
      return tr("evaluations");
    case Seconds:
      return tr("evaluator s");  // time inside evaluator calls, not the run's wall time
    case MeanSparsity:
      return tr("mean sparsity");
    case MeetingTarget:
      return tr("on target");
    case PerplexityRise:
      return tr("ppl rise");
    default:
      return {};
  }
}

QString compare_runs_text(const RunEntry& a, const RunEntry& b) {
  QString text =
      QObject::tr(
          "%1 against %2: evaluations %3 (%4 ÷ %5), time %6, mean sparsity %7%8, heads on "
          "target %9/%10 against %11/%12")
          .arg(b.label(), a.label())
          .arg(ratio(double(b.evaluations), double(a.evaluations)))
          .arg(b.evaluations)
          .arg(a.evaluations)
          .arg(ratio(b.seconds, a.seconds))
          .arg(b.mean_sparsity - a.mean_sparsity >= 0.0 ? "+" : "")
          .arg(b.mean_sparsity - a.mean_sparsity, 0, 'f', 3)
          .arg(b.meeting_target)
          .arg(b.heads)
          .arg(a.meeting_target)
          .arg(a.heads);
  if (a.perplexity_dense > 0.0 && b.perplexity_dense > 0.0) {
    text += QObject::tr(", perplexity rise %1 % against %2 %")
                .arg(rise_percent(b), 0, 'f', 2)
                .arg(rise_percent(a), 0, 'f', 2);
  }
  return text;
}

}  // namespace afbs::ui

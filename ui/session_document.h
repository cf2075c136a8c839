#pragma once

// The workbench's session as a file: the model it was for, the run panel's settings, every
// head of the heatmap (settings, pins, overrides, what was measured), the last run's summary,
// evaluations and quality points, every run kept in the Runs tab, the log and free notes. JSON,
// versioned, written atomically; what the autosave and File → Save session write and what Open
// session reads.

#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

#include "core/attention/sparse_config.h"
#include "core/common/result.h"
#include "core/engine/tuning_observer.h"
#include "ui/head_cell.h"
#include "ui/run_history.h"
#include "ui/run_settings.h"

namespace afbs::ui {

struct SessionDocument {
  static constexpr int kFormatVersion = 1;

  QString model_dir;
  QString model_fingerprint;  // checked against the model on restore
  RunSettings run;
  int layers = 0;
  int heads = 0;
  std::vector<HeadCell> cells;  // row-major: layer * heads + head
  std::optional<TuningSummary> last_tuning;
  BlockShape
      blocks;  // the heatmap's thresholds are for these blocks (absent in older files: 64x64)
  std::vector<engine::EvaluationRecord> evaluations;  // of the last run, in order
  std::vector<engine::QualityPoint> quality;          // of the last successful run
  std::vector<RunEntry> runs;                         // every run of the session, in order
  QString log;
  QString notes;
  // Autosaves only: the file the work was last saved to, and whether it changed since.
  QString saved_to;
  bool unsaved = false;
};

QByteArray session_to_json(const SessionDocument& session);
// Errors name `source` and the field at fault; nothing is half-read.
Result<SessionDocument> session_from_json(const QByteArray& json, const QString& source);

// Writes a temporary file and renames it over `path`: a crash never leaves half a session.
Status write_session(const SessionDocument& session, const QString& path);
Result<SessionDocument> read_session(const QString& path);

}  // namespace afbs::ui

#include "ui/session_document.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <tuple>

#include "core/common/atomic_file.h"

namespace afbs::ui {
namespace {

// Evaluations are stored as arrays in this order (a long run has tens of thousands).
constexpr int kRecordFields = 15;

QJsonArray record_to_json(const engine::EvaluationRecord& r) {
  return QJsonArray{double(r.call), r.layer,     r.head,      int(r.stage), r.length_tokens,
                    r.window,       r.theta,     r.tau,       r.lambda,     r.sparsity,
                    r.error,        r.skip_rate, r.objective, r.seconds,    r.elapsed_seconds};
}

engine::EvaluationRecord record_from_json(const QJsonArray& a) {
  engine::EvaluationRecord r;
  r.call = static_cast<std::int64_t>(a[0].toDouble());
  r.layer = a[1].toInt();
  r.head = a[2].toInt();
  r.stage = static_cast<engine::Stage>(a[3].toInt());
  r.length_tokens = a[4].toInt();
  r.window = a[5].toInt();
  r.theta = a[6].toDouble();
  r.tau = a[7].toDouble();
  r.lambda = a[8].toDouble();
  r.sparsity = a[9].toDouble();
  r.error = a[10].toDouble();
  r.skip_rate = a[11].toDouble();
  r.objective = a[12].toDouble();
  r.seconds = a[13].toDouble();
  r.elapsed_seconds = a[14].toDouble();
  return r;
}

QJsonObject cell_to_json(const HeadCell& cell) {
  return QJsonObject{{"theta", cell.setting.theta},
                     {"tau", cell.setting.tau},
                     {"lambda", cell.setting.lambda},
                     {"rule", int(cell.setting.rule)},
                     {"rule_parameter", cell.setting.rule_parameter},
                     {"pinned", cell.pinned},
                     {"sparse", cell.sparse},
                     {"tuned", cell.tuned},
                     {"sparsity", cell.sparsity},
                     {"error", cell.error},
                     {"meets_target", cell.meets_target}};
}

HeadCell cell_from_json(const QJsonObject& o) {
  HeadCell cell;
  cell.setting.theta = o["theta"].toDouble(cell.setting.theta);
  cell.setting.tau = o["tau"].toDouble(cell.setting.tau);
  cell.setting.lambda = o["lambda"].toDouble(cell.setting.lambda);
  cell.setting.rule = static_cast<SelectionRule>(o["rule"].toInt(int(cell.setting.rule)));
  cell.setting.rule_parameter = o["rule_parameter"].toDouble();
  cell.pinned = o["pinned"].toBool();
  cell.sparse = o["sparse"].toBool(true);
  cell.tuned = o["tuned"].toBool();
  cell.sparsity = o["sparsity"].toDouble();
  cell.error = o["error"].toDouble();
  cell.meets_target = o["meets_target"].toBool();
  return cell;
}

QJsonObject quality_to_json(const engine::QualityPoint& p) {
  QJsonObject o{{"length_tokens", p.length_tokens},       {"perplexity_dense", p.perplexity_dense},
                {"perplexity_tuned", p.perplexity_tuned}, {"sparsity_tuned", p.sparsity_tuned},
                {"kv_bytes_dense", p.kv_bytes_dense},     {"kv_bytes_tuned", p.kv_bytes_tuned}};
  if (p.peak_device_bytes) o["peak_device_bytes"] = *p.peak_device_bytes;  // measured on a GPU
  return o;
}

engine::QualityPoint quality_from_json(const QJsonObject& o) {
  engine::QualityPoint p;
  p.length_tokens = o["length_tokens"].toInt();
  p.perplexity_dense = o["perplexity_dense"].toDouble();
  p.perplexity_tuned = o["perplexity_tuned"].toDouble();
  p.sparsity_tuned = o["sparsity_tuned"].toDouble();
  p.kv_bytes_dense = o["kv_bytes_dense"].toDouble();
  p.kv_bytes_tuned = o["kv_bytes_tuned"].toDouble();
  // Absent in sessions from before it was measured, and wherever nothing was (the CPU).
  if (o["peak_device_bytes"].isDouble()) p.peak_device_bytes = o["peak_device_bytes"].toDouble();
  return p;
}

QJsonObject summary_to_json(const TuningSummary& s) {
  QJsonArray fidelities;
  for (std::int64_t length : s.fidelities)
    fidelities.append(double(length));
  return QJsonObject{{"method", QString::fromStdString(s.method)},
                     {"l1_target", s.l1_target},
                     {"pv_l1_target", s.pv_l1_target},
                     {"fidelities", fidelities},
                     {"evaluations", double(s.evaluations)},
                     {"weighted_evaluations", s.weighted_evaluations},
                     {"seconds", s.seconds}};
}

TuningSummary summary_from_json(const QJsonObject& o) {
  TuningSummary s;
  s.method = o["method"].toString().toStdString();
  s.l1_target = o["l1_target"].toDouble();
  s.pv_l1_target = o["pv_l1_target"].toDouble();
  for (const QJsonValue& length : o["fidelities"].toArray())
    s.fidelities.push_back(static_cast<std::int64_t>(length.toDouble()));
  s.evaluations = static_cast<std::int64_t>(o["evaluations"].toDouble());
  s.weighted_evaluations = o["weighted_evaluations"].toDouble();
  s.seconds = o["seconds"].toDouble();
  return s;
}

QJsonObject run_to_json(const RunSettings& run) {
  return QJsonObject{{"l1_target", run.l1_target},
                     {"pv_l1_target", run.pv_l1_target},
                     {"method", run.method},
                     {"preset", run.preset},
                     {"top_length_tokens", run.top_length_tokens},
                     {"first_layer", run.first_layer},
                     {"last_layer", run.last_layer},
                     {"perplexity_budget", run.perplexity_budget},
                     {"price_allocation", run.price_allocation},
                     {"layer_sensitivity", run.layer_sensitivity},
                     {"blocks", QString::fromStdString(run.blocks.text())}};
}

RunSettings run_from_json(const QJsonObject& o) {
  RunSettings run;
  run.l1_target = o["l1_target"].toDouble(run.l1_target);
  run.pv_l1_target = o["pv_l1_target"].toDouble(run.pv_l1_target);
  run.method = o["method"].toString(run.method);
  run.preset = o["preset"].toString(run.preset);
  run.top_length_tokens = o["top_length_tokens"].toInt(run.top_length_tokens);
  run.first_layer = o["first_layer"].toInt(run.first_layer);
  run.last_layer = o["last_layer"].toInt(run.last_layer);
  // Budget mode (absent in older files: off).
  run.perplexity_budget = o["perplexity_budget"].toDouble(run.perplexity_budget);
  run.price_allocation = o["price_allocation"].toBool(run.price_allocation);
  run.layer_sensitivity = o["layer_sensitivity"].toBool(run.layer_sensitivity);
  return run;
}

QJsonObject run_entry_to_json(const RunEntry& run) {
  QJsonArray records;
  for (const engine::EvaluationRecord& record : run.records)
    records.append(record_to_json(record));
  QJsonArray quality;
  for (const engine::QualityPoint& point : run.quality)
    quality.append(quality_to_json(point));
  QJsonArray head_sparsity;  // [layer, head, sparsity]: what the heatmap diff compares
  for (const auto& [key, sparsity] : run.head_sparsity)
    head_sparsity.append(QJsonArray{key.first, key.second, sparsity});
  return QJsonObject{{"number", run.number},
                     {"method", run.method},
                     {"scope", run.scope},
                     {"l1_target", run.l1_target},
                     {"pv_l1_target", run.pv_l1_target},
                     {"top_length_tokens", run.top_length_tokens},
                     {"started", run.started.toString(Qt::ISODateWithMs)},
                     {"status", run.status},
                     {"evaluations", double(run.evaluations)},
                     {"weighted_evaluations", run.weighted_evaluations},
                     {"seconds", run.seconds},
                     {"heads", run.heads},
                     {"meeting_target", run.meeting_target},
                     {"mean_sparsity", run.mean_sparsity},
                     {"perplexity_dense", run.perplexity_dense},
                     {"perplexity_tuned", run.perplexity_tuned},
                     {"records", records},
                     {"quality", quality},
                     {"head_sparsity", head_sparsity}};
}

Error invalid(const QString& source, const QString& what) {
  return Error{(source + ": " + what).toStdString()};
}

Result<RunEntry> run_entry_from_json(const QJsonObject& o, const QString& source) {
  RunEntry run;
  run.number = o["number"].toInt();
  if (run.number < 1) return invalid(source, QStringLiteral("a run numbered %1").arg(run.number));
  run.method = o["method"].toString();
  run.scope = o["scope"].toString();
  run.l1_target = o["l1_target"].toDouble();
  run.pv_l1_target = o["pv_l1_target"].toDouble();
  run.top_length_tokens = o["top_length_tokens"].toInt();
  run.started = QDateTime::fromString(o["started"].toString(), Qt::ISODateWithMs);
  run.status = o["status"].toString();
  run.evaluations = static_cast<std::int64_t>(o["evaluations"].toDouble());
  run.weighted_evaluations = o["weighted_evaluations"].toDouble();
  run.seconds = o["seconds"].toDouble();
  run.heads = o["heads"].toInt();
  run.meeting_target = o["meeting_target"].toInt();
  run.mean_sparsity = o["mean_sparsity"].toDouble();
  run.perplexity_dense = o["perplexity_dense"].toDouble();
  run.perplexity_tuned = o["perplexity_tuned"].toDouble();
  for (const QJsonValue& value : o["records"].toArray()) {
    const QJsonArray record = value.toArray();
    if (record.size() != kRecordFields) {
      return invalid(source, QStringLiteral("run #%1 has an evaluation with %2 fields")
                                 .arg(run.number)
                                 .arg(record.size()));
    }
    run.records.push_back(record_from_json(record));
  }
  for (const QJsonValue& point : o["quality"].toArray())
    run.quality.push_back(quality_from_json(point.toObject()));
  for (const QJsonValue& value : o["head_sparsity"].toArray()) {  // absent in older sessions
    const QJsonArray head = value.toArray();
    if (head.size() != 3 || head[0].toInt(-1) < 0 || head[1].toInt(-1) < 0 || !head[2].isDouble()) {
      return invalid(source,
                     QStringLiteral("run #%1 has a head sparsity that is not [layer, head, value]")
                         .arg(run.number));
    }
    run.head_sparsity[{head[0].toInt(), head[1].toInt()}] = head[2].toDouble();
  }
  return run;
}

}  // namespace

QByteArray session_to_json(const SessionDocument& session) {
  QJsonArray cells;
  for (const HeadCell& cell : session.cells)
    cells.append(cell_to_json(cell));
  QJsonArray evaluations;
  for (const engine::EvaluationRecord& record : session.evaluations)
    evaluations.append(record_to_json(record));
  QJsonArray quality;
  for (const engine::QualityPoint& point : session.quality)
    quality.append(quality_to_json(point));
  QJsonArray runs;
  for (const RunEntry& run : session.runs)
    runs.append(run_entry_to_json(run));
  QJsonObject root{{"format", "afbs-workbench-session"},
                   {"version", SessionDocument::kFormatVersion},
                   {"model_dir", session.model_dir},
                   {"model_fingerprint", session.model_fingerprint},
                   {"run", run_to_json(session.run)},
                   {"layers", session.layers},
                   {"heads", session.heads},
                   {"cells", cells},
                   {"evaluations", evaluations},
                   {"quality", quality},
                   {"runs", runs},
                   {"log", session.log},
                   {"notes", session.notes},
                   {"saved_to", session.saved_to},
                   {"unsaved", session.unsaved}};
  if (session.last_tuning) root["last_tuning"] = summary_to_json(*session.last_tuning);
  root["blocks"] = QString::fromStdString(session.blocks.text());
  return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

Result<SessionDocument> session_from_json(const QByteArray& json, const QString& source) {
  QJsonParseError parse_error;
  const QJsonDocument document = QJsonDocument::fromJson(json, &parse_error);
  if (parse_error.error != QJsonParseError::NoError) {
    return invalid(source, QStringLiteral("not JSON (%1 at byte %2)")
                               .arg(parse_error.errorString())
                               .arg(parse_error.offset));
  }
  const QJsonObject root = document.object();
  if (root["format"].toString() != "afbs-workbench-session")
    return invalid(source, QStringLiteral("not an AFBS Workbench session"));
  if (root["version"].toInt() != SessionDocument::kFormatVersion) {
    return invalid(source, QStringLiteral("session format version %1 (this build reads %2)")
                               .arg(root["version"].toInt())
                               .arg(SessionDocument::kFormatVersion));
  }
  SessionDocument session;
  session.model_dir = root["model_dir"].toString();
  session.model_fingerprint = root["model_fingerprint"].toString();
  session.run = run_from_json(root["run"].toObject());
  // What the run panel's budget field can hold: 0 (off) to 20 %.
  constexpr double kMaxBudget = RunSettings::kMaxPerplexityBudget;
  if (!(session.run.perplexity_budget >= 0.0 && session.run.perplexity_budget <= kMaxBudget)) {
    return invalid(source, QStringLiteral("run.perplexity_budget %1 is not in [0, %2]")
                               .arg(session.run.perplexity_budget)
                               .arg(kMaxBudget));
  }
  session.layers = root["layers"].toInt();
  session.heads = root["heads"].toInt();
  const QJsonArray cells = root["cells"].toArray();
  if (session.layers < 0 || session.heads < 0 ||
      qsizetype(session.layers) * session.heads != cells.size()) {
    return invalid(source, QStringLiteral("%1 head cells for %2 layers × %3 heads")
                               .arg(cells.size())
                               .arg(session.layers)
                               .arg(session.heads));
  }
  for (const QJsonValue& cell : cells)
    session.cells.push_back(cell_from_json(cell.toObject()));
  for (const QJsonValue& value : root["evaluations"].toArray()) {
    const QJsonArray record = value.toArray();
    if (record.size() != kRecordFields)
      return invalid(source, QStringLiteral("an evaluation with %1 fields").arg(record.size()));
    session.evaluations.push_back(record_from_json(record));
  }
  for (const QJsonValue& point : root["quality"].toArray())
    session.quality.push_back(quality_from_json(point.toObject()));
  for (const QJsonValue& value : root["runs"].toArray()) {  // absent in older sessions
    auto run = run_entry_from_json(value.toObject(), source);
    if (!run) return run.error();
    session.runs.push_back(std::move(*run));
  }
  if (root.contains("last_tuning"))
    session.last_tuning = summary_from_json(root["last_tuning"].toObject());
  // The heatmap's block shape, and the run panel's (older files: 64x64, and the heatmap's).
  for (auto [object, key, shape] :
       {std::tuple{root, "blocks", &session.blocks},
        std::tuple{root["run"].toObject(), "run.blocks", &session.run.blocks}}) {
    const QString name = QString::fromLatin1(key).section('.', -1);
    if (!object.contains(name)) {
      *shape = session.blocks;
      continue;
    }
    const QString blocks = object[name].toString();
    const std::optional<BlockShape> parsed = BlockShape::parse(blocks.toStdString());
    if (!parsed || !parsed->supported()) {
      return invalid(source,
                     QStringLiteral("%1 '%2' is not 64x64, 128x64 or 64x128").arg(key, blocks));
    }
    *shape = *parsed;
  }
  session.log = root["log"].toString();
  session.notes = root["notes"].toString();
  session.saved_to = root["saved_to"].toString();
  session.unsaved = root["unsaved"].toBool();
  return session;
}

// Through core's write_file_atomically, like every other output: the same fsync and the
// same fault-injection seam (docs/reliability.md).
Status write_session(const SessionDocument& session, const QString& path) {
  const QByteArray json = session_to_json(session);
  return write_file_atomically(
      QFile::encodeName(path).toStdString(),
      std::string(json.constData(), static_cast<std::size_t>(json.size())));
}

Result<SessionDocument> read_session(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return invalid(path, QStringLiteral("cannot read (%1)").arg(file.errorString()));
  return session_from_json(file.readAll(), path);
}

}  // namespace afbs::ui

#include "ui/heatmap_model.h"

#include <QUndoStack>
#include <algorithm>
#include <array>
#include <cmath>

#include "ui/change_head_setting.h"
#include "ui/toggle_pin.h"

namespace afbs::ui {
namespace {

// Viridis at five stops: perceptually even and readable in grey.
constexpr std::array<QRgb, 5> kRamp = {0xff440154, 0xff3b528b, 0xff21918c, 0xff5ec962, 0xfffde725};

QColor ramp_color(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double position = t * double(kRamp.size() - 1);
  const auto low = static_cast<std::size_t>(std::floor(position));
  const std::size_t high = std::min(low + 1, kRamp.size() - 1);
  const double mix = position - double(low);
  const QColor a(kRamp[low]);
  const QColor b(kRamp[high]);
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * mix),
                          float(a.greenF() + (b.greenF() - a.greenF()) * mix),
                          float(a.blueF() + (b.blueF() - a.blueF()) * mix));
}

bool is_setting(HeatQuantity quantity) {
  return quantity == HeatQuantity::Theta || quantity == HeatQuantity::Tau ||
         quantity == HeatQuantity::Lambda;
}

SettingField field_of(HeatQuantity quantity) {
  if (quantity == HeatQuantity::Theta) return SettingField::Theta;
  if (quantity == HeatQuantity::Tau) return SettingField::Tau;
  return SettingField::Lambda;
}

}  // namespace

HeatmapModel::HeatmapModel(QUndoStack* undo_stack, QObject* parent)
    : QAbstractTableModel(parent), undo_stack_(undo_stack) {
  qRegisterMetaType<HeadChange>();
}

void HeatmapModel::set_dimensions(int layers, int heads) {
  beginResetModel();
  store_->reset(layers, heads);
  blocks_ = {};
  endResetModel();
  undo_stack_->clear();  // its commands point at cells that no longer exist
}

void HeatmapModel::start_over(BlockShape blocks) {
  set_dimensions(layers(), heads());
  blocks_ = blocks;
}

void HeatmapModel::emit_all_changed() {
  if (layers() > 0 && heads() > 0)
    Q_EMIT dataChanged(index(0, 0), index(layers() - 1, heads() - 1));
}

void HeatmapModel::set_quantity(HeatQuantity quantity) {
  if (quantity == quantity_) return;
  quantity_ = quantity;
  emit_all_changed();
}

void HeatmapModel::set_error_scale(double error) {
  error_scale_ = error > 0.0 ? error : 0.1;
  if (quantity_ == HeatQuantity::Error) emit_all_changed();
}

std::pair<double, double> HeatmapModel::range_for(HeatQuantity quantity, double error_scale) {
  switch (quantity) {
    case HeatQuantity::Sparsity:
    case HeatQuantity::Tau:
      return {0.0, 1.0};
    case HeatQuantity::Error:
      return {0.0, error_scale};
    case HeatQuantity::Theta:
      return {-1.0, 1.0};
    case HeatQuantity::Lambda:
      return {0.0, 50.0};
  }
  return {0.0, 1.0};
}

QColor HeatmapModel::color_for(HeatQuantity quantity, double value, double error_scale) {
  const auto [low, high] = range_for(quantity, error_scale);
  return ramp_color((value - low) / (high - low));
}

void HeatmapModel::override_setting(int layer, int head, SettingField field, double value) {
  if (!contains(layer, head)) return;
  HeadCell after = cell(layer, head);
  set_setting_value(after.setting, field, value);
  after.pinned = true;
  after.sparse = true;
  after.tuned = false;  // measured at the old setting, not at this one
  if (after == cell(layer, head)) return;
  undo_stack_->push(new ChangeHeadSetting(this, layer, head, field, cell(layer, head), after));
}

void HeatmapModel::toggle_pin(int layer, int head) {
  if (!contains(layer, head)) return;
  undo_stack_->push(new TogglePin(this, layer, head, cell(layer, head)));
}

int HeatmapModel::set_pinned(const std::vector<std::pair<int, int>>& heads, bool pinned) {
  int changed = 0;
  for (const auto& [layer, head] : heads)
    if (contains(layer, head) && cell(layer, head).pinned != pinned) ++changed;
  if (changed == 0) return 0;
  undo_stack_->beginMacro(pinned ? tr("Pin %n head(s)", nullptr, changed)
                                 : tr("Unpin %n head(s)", nullptr, changed));
  for (const auto& [layer, head] : heads)
    if (contains(layer, head) && cell(layer, head).pinned != pinned) toggle_pin(layer, head);
  undo_stack_->endMacro();
  return changed;
}

void HeatmapModel::apply_layer_result(const engine::LayerResult& result) {
  int max_head = -1;
  for (const auto& head : result.heads)
    max_head = std::max(max_head, head.head);
  grow_to(result.layer + 1, max_head + 1);
  for (const auto& head : result.heads) {
    if (!contains(result.layer, head.head)) continue;
    if (auto after = HeadStore::after_result(cell(result.layer, head.head), head))
      write_cell(result.layer, head.head, *after);
  }
}

void HeatmapModel::write_cell(int layer, int head, const HeadCell& cell) {
  const HeadChangeFlags what = difference(this->cell(layer, head), cell);
  if (what == HeadChangeFlags{} || !store_->write(layer, head, cell)) return;
  const QModelIndex at = index(layer, head);
  Q_EMIT dataChanged(at, at);
  Q_EMIT changed(HeadChange{layer, head, what});
}

int HeatmapModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : layers();
}

int HeatmapModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : heads();
}

QVariant HeatmapModel::value_of(const HeadCell& cell) const {
  switch (quantity_) {
    case HeatQuantity::Sparsity:
      return cell.tuned ? QVariant(cell.sparsity) : QVariant();
    case HeatQuantity::Error:
      return cell.tuned ? QVariant(cell.error) : QVariant();
    case HeatQuantity::Theta:
      return cell.setting.theta;
    case HeatQuantity::Tau:
      return cell.setting.tau;
    case HeatQuantity::Lambda:
      return cell.setting.lambda;
  }
  return {};
}

QVariant HeatmapModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !contains(index.row(), index.column())) return {};
  const HeadCell shown = cell(index.row(), index.column());
  const QVariant value = value_of(shown);
  switch (role) {
    case ValueRole:
      return value;
    case PinnedRole:
      return shown.pinned;
    case TunedRole:
      return shown.tuned;
    case MissesTargetRole:
      return shown.tuned && shown.sparse && !shown.meets_target;
    case Qt::DisplayRole:
      if (!value.isValid()) return QStringLiteral("–");
      // Errors to three decimals: 0.049 and 0.051 sit either side of a 0.05 target.
      return QString::number(value.toDouble(), 'f',
                             quantity_ == HeatQuantity::Lambda  ? 1
                             : quantity_ == HeatQuantity::Error ? 3
                                                                : 2);
    case Qt::EditRole:
      return value;
    case Qt::BackgroundRole:
      if (!value.isValid()) return QColor(Qt::lightGray);
      return color_for(quantity_, value.toDouble(), error_scale_);
    case Qt::ToolTipRole:
      return tr("Layer %1, head %2\nθ %3  τ %4  λ %5\n%6%7")
          .arg(index.row())
          .arg(index.column())
          .arg(shown.setting.theta, 0, 'f', 3)
          .arg(shown.setting.tau, 0, 'f', 3)
          .arg(shown.setting.lambda, 0, 'f', 1)
          .arg(shown.tuned ? tr("sparsity %1  error %2%3%4")
                                 .arg(shown.sparsity, 0, 'f', 3)
                                 .arg(shown.error, 0, 'f', 4)
                                 .arg(shown.sparse ? QString() : tr("  (dense)"))
                                 .arg(data(index, MissesTargetRole).toBool()
                                          ? tr("\nmisses the error target")
                                          : QString())
               : shown.pinned ? tr("set by hand: not measured at this setting")
                              : tr("not tuned yet"))
          .arg(shown.pinned ? tr("\npinned") : QString());
    default:
      return {};
  }
}

bool HeatmapModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || !contains(index.row(), index.column())) return false;
  if (role == PinnedRole) {
    if (value.toBool() != cell(index.row(), index.column()).pinned)
      toggle_pin(index.row(), index.column());
    return true;
  }
  if (role != Qt::EditRole || !is_setting(quantity_)) return false;
  bool ok = false;
  const double number = value.toDouble(&ok);
  const auto [low, high] = range_for(quantity_, error_scale_);
  if (!ok || !std::isfinite(number) || number < low || number > high) return false;
  override_setting(index.row(), index.column(), field_of(quantity_), number);
  return true;
}

Qt::ItemFlags HeatmapModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (is_setting(quantity_)) flags |= Qt::ItemIsEditable;
  return flags;
}

QVariant HeatmapModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  return orientation == Qt::Horizontal ? tr("H%1").arg(section) : tr("L%1").arg(section);
}

void HeatmapModel::grow_to(int layers, int heads) {
  if (heads > this->heads()) {
    // Rare (results before dimensions were set): the store lays the cells out again.
    beginResetModel();
    store_->grow_to(layers, heads);
    endResetModel();
    return;
  }
  if (layers > this->layers()) {
    beginInsertRows({}, this->layers(), layers - 1);
    store_->grow_to(layers, heads);
    endInsertRows();
  }
}

}  // namespace afbs::ui

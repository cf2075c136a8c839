#pragma once

#include <QFlags>
#include <QMetaType>

#include "core/session/head_store.h"

namespace afbs::ui {

// What the heatmap shows of one head: the pin store's state of it (core/session/head_store.h).
using HeadCell = HeadState;

enum class SettingField { Theta, Tau, Lambda };
double setting_value(const engine::HeadSetting& setting, SettingField field);
void set_setting_value(engine::HeadSetting& setting, SettingField field, double value);

// Which parts of a head changed: one event carries all of them.
enum class HeadChangeFlag {
  Theta = 0x1,
  Tau = 0x2,
  Lambda = 0x4,
  Pinned = 0x8,
  Sparse = 0x10,
  Measured = 0x20,  // sparsity, error or target verdict
};
Q_DECLARE_FLAGS(HeadChangeFlags, HeadChangeFlag)
Q_DECLARE_OPERATORS_FOR_FLAGS(HeadChangeFlags)

struct HeadChange {
  int layer = 0;
  int head = 0;
  HeadChangeFlags what;
};

HeadChangeFlags difference(const HeadCell& before, const HeadCell& after);

}  // namespace afbs::ui

Q_DECLARE_METATYPE(afbs::ui::HeadChange)

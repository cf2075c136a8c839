#pragma once

#include <QColor>

#include "core/engine/tuning_observer.h"

namespace afbs::ui {

// One colour per stage, shared by every chart so a stage reads the same everywhere.
QColor stage_color(engine::Stage stage);

}  // namespace afbs::ui

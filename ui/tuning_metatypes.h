#pragma once

#include <QMetaType>
#include <vector>

#include "core/engine/phase_progress.h"
#include "core/engine/tuning_engine.h"
#include "core/engine/tuning_observer.h"

// The engine's plain value types travel through queued signals between the worker thread and
// the GUI thread; Qt needs them declared (and registered once) to copy them into events.
Q_DECLARE_METATYPE(afbs::engine::EvaluationRecord)
Q_DECLARE_METATYPE(std::vector<afbs::engine::EvaluationRecord>)
Q_DECLARE_METATYPE(afbs::engine::LayerResult)
Q_DECLARE_METATYPE(afbs::engine::Progress)
Q_DECLARE_METATYPE(afbs::engine::RunResult)
Q_DECLARE_METATYPE(afbs::engine::QualityPoint)
Q_DECLARE_METATYPE(afbs::engine::PhaseProgress)

namespace afbs::ui {

// Registers the types above with Qt's meta-type system; safe to call more than once.
void register_tuning_metatypes();

}  // namespace afbs::ui

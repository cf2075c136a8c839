#include "ui/tuning_metatypes.h"

namespace afbs::ui {

void register_tuning_metatypes() {
  qRegisterMetaType<afbs::engine::EvaluationRecord>();
  qRegisterMetaType<std::vector<afbs::engine::EvaluationRecord>>();
  qRegisterMetaType<afbs::engine::LayerResult>();
  qRegisterMetaType<afbs::engine::Progress>();
  qRegisterMetaType<afbs::engine::RunResult>();
  qRegisterMetaType<afbs::engine::QualityPoint>();
  qRegisterMetaType<afbs::engine::PhaseProgress>();
}

}  // namespace afbs::ui

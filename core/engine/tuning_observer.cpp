#include "core/engine/tuning_observer.h"

namespace afbs::engine {

const char* stage_name(Stage stage) {
  switch (stage) {
    case Stage::Exploration:
      return "explore";
    case Stage::TauSearch:
      return "tau";
    case Stage::PvSearch:
      return "pv";
    case Stage::Validation:
      return "validate";
    case Stage::Grid:
      return "grid";
    case Stage::Random:
      return "random";
    case Stage::Budget:
      return "budget";
  }
  return "unknown";
}

bool parse_stage(const std::string& name, Stage* stage) {
  for (Stage candidate : {Stage::Exploration, Stage::TauSearch, Stage::PvSearch, Stage::Validation,
                          Stage::Grid, Stage::Random, Stage::Budget}) {
    if (name == stage_name(candidate)) {
      *stage = candidate;
      return true;
    }
  }
  return false;
}

const char* run_status_name(RunStatus status) {
  switch (status) {
    case RunStatus::Succeeded:
      return "succeeded";
    case RunStatus::Cancelled:
      return "cancelled";
    case RunStatus::Failed:
      return "failed";
  }
  return "unknown";
}

}  // namespace afbs::engine

#include "ui/stage_colors.h"

namespace afbs::ui {

QColor stage_color(engine::Stage stage) {
  switch (stage) {
    case engine::Stage::Exploration:
      return QColor(78, 121, 167);
    case engine::Stage::TauSearch:
      return QColor(242, 142, 43);
    case engine::Stage::PvSearch:
      return QColor(89, 161, 79);
    case engine::Stage::Validation:
      return QColor(225, 87, 89);
    case engine::Stage::Grid:
      return QColor(176, 122, 161);
    case engine::Stage::Random:
      return QColor(156, 117, 95);
    case engine::Stage::Budget:  // perplexity probes: never a head's evaluation
      return QColor(Qt::darkGray);
  }
  return QColor(Qt::gray);
}

}  // namespace afbs::ui

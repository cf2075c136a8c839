#pragma once

#include <QChart>
#include <QColor>
#include <QPalette>

namespace afbs::ui {

// Charts follow the system palette: a dark window gets Qt Charts' dark theme, and lines that
// would be black on white ("best so far", "dense") get a light ink instead.
inline bool palette_is_dark(const QPalette& palette) {
  return palette.color(QPalette::Window).lightness() < 128;
}

// Call before adding series: a theme resets the colours of the series already there.
inline void apply_palette_theme(QChart* chart, const QPalette& palette) {
  chart->setTheme(palette_is_dark(palette) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
}

// The colour of neutral lines on this palette.
inline QColor chart_ink(const QPalette& palette) {
  return palette_is_dark(palette) ? QColor(220, 220, 220) : QColor(34, 34, 34);
}

}  // namespace afbs::ui

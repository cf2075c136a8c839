#pragma once

// Charts as files a person can put in a report: PNG (what the view shows), SVG (drawn from the
// series' data, so it stays sharp; this build has no Qt Svg module) and CSV (every point).

#include <QByteArray>
#include <QList>
#include <QString>

#include "core/common/result.h"

class QChart;
class QWidget;

namespace afbs::ui {

// One row per point: chart title, series name, x, y; full precision.
QByteArray charts_csv(const QList<QChart*>& charts);

// The charts stacked top to bottom, each `width` × `height` pixels: frame, axes with their
// ranges and titles, lines and points in the series' colours, and a legend.
QByteArray charts_svg(const QList<QChart*>& charts, int width = 800, int height = 360);

// Writes `bytes` atomically; errors name the file.
Status write_file_bytes(const QString& path, const QByteArray& bytes);
// `widget` as it is on screen, as a PNG.
Status write_widget_png(QWidget* widget, const QString& path);

}  // namespace afbs::ui

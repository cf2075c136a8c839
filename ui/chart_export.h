#pragma once

// Views as files a person can put in a report: PNG (what the view shows), SVG (the same, drawn
// as vectors through QSvgGenerator, so it stays sharp at any size) and CSV (the data: every
// point at full precision).

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>

#include "core/common/result.h"

class QChart;
class QWidget;

namespace afbs::ui {

// One row per point: chart title, series name, x, y; full precision.
QByteArray charts_csv(const QList<QChart*>& charts);

// Writes `bytes` atomically; errors name the file.
Status write_file_bytes(const QString& path, const QByteArray& bytes);
// `widget` as it is on screen, as a PNG.
Status write_widget_png(QWidget* widget, const QString& path);
// `widget` as it is on screen, painted into an SVG document titled `title`.
Status write_widget_svg(QWidget* widget, const QString& path, const QString& title);

// By `path`'s suffix: .png and .svg of `widget`, .csv of `csv()` (none: refused). Errors name
// the file, or say which suffixes the view takes; the file is written whole or not at all.
Status export_widget(QWidget* widget, const QString& path, const QString& title,
                     const std::function<QByteArray()>& csv);

}  // namespace afbs::ui

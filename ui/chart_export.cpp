#include "ui/chart_export.h"

#include <QAbstractAxis>
#include <QBuffer>
#include <QChart>
#include <QFile>
#include <QLegend>
#include <QLogValueAxis>
#include <QPixmap>
#include <QScatterSeries>
#include <QValueAxis>
#include <QWidget>
#include <QXYSeries>
#include <cmath>

#include "core/common/atomic_file.h"

namespace afbs::ui {
namespace {

QString csv_field(QString text) {
  if (text.contains(',') || text.contains('"') || text.contains('\n'))
    text = '"' + text.replace('"', "\"\"") + '"';
  return text;
}

// Maps a value onto [0, 1] along an axis (linear or logarithmic).
struct AxisMap {
  double low = 0.0;
  double high = 1.0;
  bool log = false;
  QString title;

  static AxisMap of(const QList<QAbstractAxis*>& axes) {
    AxisMap map;
    if (axes.isEmpty()) return map;
    map.title = axes.front()->titleText();
    if (auto* value = qobject_cast<QValueAxis*>(axes.front())) {
      map.low = value->min();
      map.high = value->max();
    } else if (auto* log_axis = qobject_cast<QLogValueAxis*>(axes.front())) {
      map.low = log_axis->min();
      map.high = log_axis->max();
      map.log = map.low > 0.0;
    }
    return map;
  }
  double fraction(double value) const {
    if (log && value > 0.0)
      return (std::log(value) - std::log(low)) / (std::log(high) - std::log(low));
    return high == low ? 0.5 : (value - low) / (high - low);
  }
  double at(double fraction) const {
    if (log) return std::exp(std::log(low) + fraction * (std::log(high) - std::log(low)));
    return low + fraction * (high - low);
  }
};

QString number(double value) {
  return QString::number(value, 'g', 4);
}

QString chart_svg(const QChart* chart, int top, int width, int height) {
  const AxisMap x = AxisMap::of(chart->axes(Qt::Horizontal));
  const AxisMap y = AxisMap::of(chart->axes(Qt::Vertical));
  const int left = 70, right = 170, above = 30, below = 45;
  const double plot_w = width - left - right, plot_h = height - above - below;
  const auto px = [&](double v) { return left + plot_w * x.fraction(v); };
  const auto py = [&](double v) { return top + above + plot_h * (1.0 - y.fraction(v)); };
  QString svg;
  svg += QStringLiteral("<text x='%1' y='%2' font-size='14' font-weight='bold'>%3</text>\n")
             .arg(left)
             .arg(top + 18)
             .arg(chart->title().toHtmlEscaped());
  svg += QStringLiteral("<rect x='%1' y='%2' width='%3' height='%4' fill='none' stroke='#888'/>\n")
             .arg(left)
             .arg(top + above)
             .arg(plot_w)
             .arg(plot_h);
  for (int tick = 0; tick <= 4; ++tick) {
    const double f = tick / 4.0;
    svg += QStringLiteral("<text x='%1' y='%2' font-size='10' text-anchor='middle'>%3</text>\n")
               .arg(left + plot_w * f)
               .arg(top + above + plot_h + 14)
               .arg(number(x.at(f)));
    svg += QStringLiteral("<text x='%1' y='%2' font-size='10' text-anchor='end'>%3</text>\n")
               .arg(left - 4)
               .arg(top + above + plot_h * (1.0 - f) + 3)
               .arg(number(y.at(f)));
  }
  svg += QStringLiteral("<text x='%1' y='%2' font-size='11' text-anchor='middle'>%3</text>\n")
             .arg(left + plot_w / 2)
             .arg(top + height - 10)
             .arg(x.title.toHtmlEscaped());
  svg += QStringLiteral(
             "<text x='14' y='%1' font-size='11' text-anchor='middle' "
             "transform='rotate(-90 14 %1)'>%2</text>\n")
             .arg(top + above + plot_h / 2)
             .arg(y.title.toHtmlEscaped());
  int legend_row = 0;
  for (const QAbstractSeries* abstract : chart->series()) {
    const auto* series = qobject_cast<const QXYSeries*>(abstract);
    if (series == nullptr || !series->isVisible() || series->count() == 0) continue;
    const bool scatter = qobject_cast<const QScatterSeries*>(series) != nullptr;
    const QColor color = scatter ? series->color() : series->pen().color();
    const QString stroke = color.name();
    if (scatter) {
      for (const QPointF& p : series->points())
        svg += QStringLiteral("<circle cx='%1' cy='%2' r='2.5' fill='%3'/>\n")
                   .arg(px(p.x()), 0, 'f', 1)
                   .arg(py(p.y()), 0, 'f', 1)
                   .arg(stroke);
    } else {
      QString points;
      for (const QPointF& p : series->points())
        points += QStringLiteral("%1,%2 ").arg(px(p.x()), 0, 'f', 1).arg(py(p.y()), 0, 'f', 1);
      svg += QStringLiteral("<polyline points='%1' fill='none' stroke='%2' stroke-width='%3'%4/>\n")
                 .arg(points.trimmed(), stroke)
                 .arg(std::max(1.0, series->pen().widthF()))
                 .arg(series->pen().style() == Qt::DashLine ? " stroke-dasharray='6 4'" : "");
    }
    if (!series->name().isEmpty()) {
      const int ly = top + above + 8 + 16 * legend_row++;
      svg += QStringLiteral(
                 "<rect x='%1' y='%2' width='12' height='8' fill='%3'/>"
                 "<text x='%4' y='%5' font-size='11'>%6</text>\n")
                 .arg(width - right + 12)
                 .arg(ly - 7)
                 .arg(stroke)
                 .arg(width - right + 30)
                 .arg(ly + 1)
                 .arg(series->name().toHtmlEscaped());
    }
  }
  return svg;
}

}  // namespace

QByteArray charts_csv(const QList<QChart*>& charts) {
  QString csv = QStringLiteral("chart,series,x,y\n");
  for (const QChart* chart : charts) {
    for (const QAbstractSeries* abstract : chart->series()) {
      const auto* series = qobject_cast<const QXYSeries*>(abstract);
      if (series == nullptr) continue;
      const QString prefix = csv_field(chart->title()) + ',' + csv_field(series->name()) + ',';
      for (const QPointF& p : series->points())
        csv +=
            prefix + QString::number(p.x(), 'g', 17) + ',' + QString::number(p.y(), 'g', 17) + '\n';
    }
  }
  return csv.toUtf8();
}

QByteArray charts_svg(const QList<QChart*>& charts, int width, int height) {
  const int total = height * static_cast<int>(charts.size());
  QString svg = QStringLiteral(
                    "<?xml version='1.0' encoding='UTF-8'?>\n"
                    "<svg xmlns='http://www.w3.org/2000/svg' width='%1' height='%2' "
                    "viewBox='0 0 %1 %2' font-family='sans-serif'>\n"
                    "<rect width='100%' height='100%' fill='white'/>\n")
                    .arg(width)
                    .arg(total);
  for (int i = 0; i < charts.size(); ++i)
    svg += chart_svg(charts[i], i * height, width, height);
  svg += QStringLiteral("</svg>\n");
  return svg.toUtf8();
}

Status write_file_bytes(const QString& path, const QByteArray& bytes) {
  return write_file_atomically(
      QFile::encodeName(path).toStdString(),
      std::string(bytes.constData(), static_cast<std::size_t>(bytes.size())));
}

// Encoded in memory first, so the file is written atomically like every other output.
Status write_widget_png(QWidget* widget, const QString& path) {
  const QPixmap image = widget->grab();
  QByteArray png;
  QBuffer buffer(&png);
  if (image.isNull() || !buffer.open(QIODevice::WriteOnly) || !image.save(&buffer, "PNG"))
    return Error{(path + ": the PNG could not be made").toStdString()};
  return write_file_bytes(path, png);
}

}  // namespace afbs::ui

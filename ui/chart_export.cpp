#include "ui/chart_export.h"

#include <QBuffer>
#include <QChart>
#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QPixmap>
#include <QSvgGenerator>
#include <QWidget>
#include <QXYSeries>

#include "core/common/atomic_file.h"

namespace afbs::ui {
namespace {

QString csv_field(QString text) {
  if (text.contains(',') || text.contains('"') || text.contains('\n'))
    text = '"' + text.replace('"', "\"\"") + '"';
  return text;
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

Status write_widget_svg(QWidget* widget, const QString& path, const QString& title) {
  QByteArray svg;
  QBuffer buffer(&svg);
  QSvgGenerator generator;
  generator.setOutputDevice(&buffer);
  generator.setSize(widget->size());
  generator.setViewBox(QRect(QPoint(0, 0), widget->size()));
  generator.setTitle(title);
  generator.setDescription(QStringLiteral("AFBS Workbench"));
  QPainter painter;
  if (widget->size().isEmpty() || !painter.begin(&generator))
    return Error{(path + ": the SVG could not be made").toStdString()};
  widget->render(&painter);
  painter.end();
  return write_file_bytes(path, svg);
}

Status export_widget(QWidget* widget, const QString& path, const QString& title,
                     const std::function<QByteArray()>& csv) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "png") return write_widget_png(widget, path);
  if (suffix == "svg") return write_widget_svg(widget, path, title);
  if (suffix == "csv" && csv) return write_file_bytes(path, csv());
  return Error{(path + (csv ? ": does not end in .png, .svg or .csv"
                            : ": does not end in .png or .svg (this view has no data to export)"))
                   .toStdString()};
}

}  // namespace afbs::ui

#include "ui/head_picture_panel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLinearGradient>
#include <QPainter>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/chart_export.h"
#include "ui/head_picture_image.h"
#include "ui/zoomable_image_view.h"

namespace afbs::ui {
namespace {

QLabel* swatch(const QColor& color, QWidget* parent) {
  QPixmap square(12, 12);
  square.fill(color);
  QPainter(&square).drawRect(0, 0, 11, 11);
  auto* label = new QLabel(parent);
  label->setPixmap(square);
  return label;
}

// The pooled attention's colour scale, light (10⁻⁴) to dark (1).
QLabel* attention_scale(QWidget* parent) {
  QPixmap bar(80, 12);  // narrow: the column under the attention map is half the inspector
  QPainter painter(&bar);
  for (int x = 0; x < bar.width(); ++x) {
    const double exponent = -4.0 + 4.0 * x / (bar.width() - 1);
    painter.setPen(attention_color(std::pow(10.0, exponent)));
    painter.drawLine(x, 0, x, bar.height());
  }
  auto* label = new QLabel(parent);
  label->setPixmap(bar);
  return label;
}

}  // namespace

HeadPicturePanel::HeadPicturePanel(QWidget* parent) : QWidget(parent) {
  setObjectName("headPicturePanel");
  rung_ = new QComboBox(this);
  rung_->setObjectName("pictureRung");
  rung_->setToolTip(tr("The rung (sequence length) the pictures are of"));
  // Narrow enough that the inspector beside the heatmap keeps its width.
  rung_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  rung_->setMinimumContentsLength(8);
  status_ = new QLabel(this);
  status_->setObjectName("pictureStatus");
  status_->setWordWrap(true);
  zoom_out_ = new QToolButton(this);
  zoom_out_->setText(QStringLiteral("−"));
  zoom_out_->setToolTip(tr("Zoom out (also Ctrl + wheel, −)"));
  zoom_in_ = new QToolButton(this);
  zoom_in_->setText(QStringLiteral("+"));
  zoom_in_->setToolTip(tr("Zoom in (also Ctrl + wheel, +)"));
  export_ = new QToolButton(this);
  export_->setObjectName("exportPicture");
  export_->setText(tr("Export…"));
  export_->setToolTip(tr("The pictures as PNG or SVG, or the shown rung's blocks as CSV"));
  mask_ = new ZoomableImageView(this);
  mask_->setObjectName("pictureMask");
  attention_ = new ZoomableImageView(this);
  attention_->setObjectName("pictureAttention");

  auto* controls = new QHBoxLayout;
  controls->addWidget(rung_, 1);
  controls->addWidget(zoom_out_);
  controls->addWidget(zoom_in_);
  controls->addWidget(export_);

  auto* legend = new QGridLayout;
  const BlockRole roles[] = {BlockRole::kept,       BlockRole::kept_incoherent, BlockRole::forced,
                             BlockRole::pv_skipped, BlockRole::skipped,         BlockRole::hidden};
  for (int r = 0; r < kBlockRoleCount; ++r) {
    legend->addWidget(swatch(block_role_color(roles[r]), this), r / 3, (r % 3) * 2);
    auto* name = new QLabel(block_role_name(roles[r]), this);
    name->setWordWrap(true);
    legend->addWidget(name, r / 3, (r % 3) * 2 + 1);
  }
  legend->setColumnStretch(5, 1);

  auto* views = new QGridLayout;
  auto* mask_caption = new QLabel(tr("Block mask (rows: query blocks, columns: key blocks)"), this);
  auto* attention_caption = new QLabel(tr("Pooled attention P̂ (log scale)"), this);
  for (QLabel* caption : {mask_caption, attention_caption})
    caption->setWordWrap(true);
  views->addWidget(mask_caption, 0, 0);
  views->addWidget(attention_caption, 0, 1);
  views->addWidget(mask_, 1, 0);
  views->addWidget(attention_, 1, 1);
  auto* scale = new QHBoxLayout;
  scale->addWidget(new QLabel(QStringLiteral("10⁻⁴"), this));
  scale->addWidget(attention_scale(this));
  scale->addWidget(new QLabel(QStringLiteral("1"), this));
  scale->addStretch();
  views->addLayout(scale, 2, 1);
  views->setRowStretch(1, 1);
  views->setColumnStretch(0, 1);  // the two pictures equally wide, whatever their captions ask
  views->setColumnStretch(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(status_);
  layout->addLayout(legend);
  layout->addLayout(views, 1);

  connect(rung_, &QComboBox::currentIndexChanged, this, [this](int index) {
    chosen_rung_ = index;  // only the person's choices arrive here (ours are blocked)
    show_rung(index);
  });
  connect(zoom_in_, &QToolButton::clicked, mask_, &ZoomableImageView::zoom_in);
  connect(zoom_out_, &QToolButton::clicked, mask_, &ZoomableImageView::zoom_out);
  // The two views zoom together (set_zoom emits only on a change, so this does not loop).
  connect(mask_, &ZoomableImageView::zoom_changed, attention_, &ZoomableImageView::set_zoom);
  connect(attention_, &ZoomableImageView::zoom_changed, mask_, &ZoomableImageView::set_zoom);
  for (ZoomableImageView* view : {mask_, attention_}) {
    connect(view, &ZoomableImageView::hovered, this, [this, view](int x, int y) {
      view->setToolTip(x < 0 ? QString() : describe_block(y, x));
    });
  }
  connect(export_, &QToolButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the block mask"),
        QStringLiteral("block-mask-L%1-H%2.png").arg(layer_).arg(head_),
        tr("Images and data (*.png *.svg *.csv)"));
    if (path.isEmpty()) return;
    if (Status written = export_to(path); !written)
      status_->setText(tr("Not exported: %1").arg(QString::fromStdString(written.error().message)));
  });
  show_message(tr("Select a head in the heatmap"));
}

// The legend's three columns asked for 390 px, and the splitter beside the heatmap took ~57 px
// of the heatmap's width for the inspector (session 5); the pictures grow from what is left.
QSize HeadPicturePanel::sizeHint() const {
  QSize hint = QWidget::sizeHint();
  const int pictures =
      mask_->sizeHint().width() + attention_->sizeHint().width() + std::max(0, layout()->spacing());
  hint.setWidth(std::min(hint.width(), pictures));
  return hint;
}

QByteArray HeadPicturePanel::csv() const {
  QString text = QStringLiteral("query_block,key_block,role,pooled_attention\n");
  const int rung = shown_rung();
  if (rung < 0) return text.toUtf8();
  const HeadPicture& p = pictures_[std::size_t(rung)];
  static const char* const names[kBlockRoleCount] = {"hidden",          "skipped", "kept",
                                                     "kept_incoherent", "forced",  "pv_skipped"};
  for (int64_t i = 0; i < p.query_blocks; ++i) {
    for (int64_t j = 0; j < p.key_blocks; ++j) {
      text += QStringLiteral("%1,%2,%3,%4\n")
                  .arg(i)
                  .arg(j)
                  .arg(QLatin1String(names[int(p.role(i, j))]))
                  .arg(double(p.attention(i, j)), 0, 'g', 9);
    }
  }
  return text.toUtf8();
}

Status HeadPicturePanel::export_to(const QString& path) {
  if (shown_rung() < 0) return Error{(path + ": no block mask is shown").toStdString()};
  const HeadPicture& p = pictures_[std::size_t(shown_rung())];
  return export_widget(
      this, path,
      tr("Block mask, layer %1 head %2, %3 tokens").arg(layer_).arg(head_).arg(p.length_tokens),
      [this] { return csv(); });
}

void HeadPicturePanel::show_pictures(int layer, int head, std::vector<HeadPicture> pictures) {
  layer_ = layer;
  head_ = head;
  pictures_ = std::move(pictures);
  const QSignalBlocker blocker(rung_);
  rung_->clear();
  for (std::size_t r = 0; r < pictures_.size(); ++r) {
    const HeadPicture& p = pictures_[r];
    rung_->addItem(tr("rung %1: %2 tokens (%3 × %4 blocks)")
                       .arg(r + 1)
                       .arg(p.length_tokens)
                       .arg(p.query_blocks)
                       .arg(p.key_blocks));
  }
  rung_->setEnabled(!pictures_.empty());
  export_->setEnabled(!pictures_.empty());
  // The rung the person chose stays; until they choose, the top rung (where heads validate).
  const int index = chosen_rung_ >= 0 && chosen_rung_ < int(pictures_.size())
                        ? chosen_rung_
                        : int(pictures_.size()) - 1;
  rung_->setCurrentIndex(pictures_.empty() ? -1 : index);
  status_->setText(tr("Layer %1, head %2").arg(layer).arg(head));
  show_rung(rung_->currentIndex());
}

void HeadPicturePanel::show_message(const QString& text) {
  pictures_.clear();
  const QSignalBlocker blocker(rung_);
  rung_->clear();
  rung_->setEnabled(false);
  export_->setEnabled(false);
  status_->setText(text);
  mask_->set_image(QImage());
  attention_->set_image(QImage());
}

int HeadPicturePanel::shown_rung() const {
  return pictures_.empty() ? -1 : rung_->currentIndex();
}

void HeadPicturePanel::show_rung(int index) {
  if (index < 0 || index >= int(pictures_.size())) return;
  const HeadPicture& p = pictures_[std::size_t(index)];
  const double zoom = mask_->image().isNull() ? 0.0 : mask_->zoom();
  mask_->set_image(block_role_image(p));
  attention_->set_image(pooled_attention_image(p));
  if (zoom > 0.0) mask_->set_zoom(zoom);  // a rung change keeps the person's zoom
  const QString heading = status_->text().section(QStringLiteral(" — "), 0, 0);
  status_->setText(tr("%1 — %2 tokens: sparsity %3, %4 blocks P·V-skipped")
                       .arg(heading)
                       .arg(p.length_tokens)
                       .arg(p.sparsity, 0, 'f', 3)
                       .arg(p.pv_skipped_blocks));
}

QString HeadPicturePanel::describe_block(int i, int j) const {
  const int rung = shown_rung();
  if (rung < 0) return {};
  const HeadPicture& p = pictures_[std::size_t(rung)];
  if (i < 0 || j < 0 || i >= p.query_blocks || j >= p.key_blocks) return {};
  return tr("query block %1, key block %2: %3; P̂ %4")
      .arg(i)
      .arg(j)
      .arg(block_role_name(p.role(i, j)))
      .arg(double(p.attention(i, j)), 0, 'g', 3);
}

}  // namespace afbs::ui

#include "ui/head_picture_image.h"

#include <QObject>
#include <algorithm>
#include <array>
#include <cmath>

namespace afbs::ui {

QColor block_role_color(BlockRole role) {
  switch (role) {
    case BlockRole::hidden:
      return QColor(0xbd, 0xbd, 0xbd);
    case BlockRole::skipped:
      return QColor(0xff, 0xff, 0xff);
    case BlockRole::kept:
      return QColor(0x00, 0x72, 0xb2);  // blue
    case BlockRole::kept_incoherent:
      return QColor(0x00, 0x9e, 0x73);  // green
    case BlockRole::forced:
      return QColor(0xe6, 0x9f, 0x00);  // orange
    case BlockRole::pv_skipped:
      return QColor(0xcc, 0x79, 0xa7);  // pink
  }
  return Qt::black;
}

QString block_role_name(BlockRole role) {
  switch (role) {
    case BlockRole::hidden:
      return QObject::tr("not visible (causal)");
    case BlockRole::skipped:
      return QObject::tr("skipped");
    case BlockRole::kept:
      return QObject::tr("kept (τ)");
    case BlockRole::kept_incoherent:
      return QObject::tr("kept: incoherent (θ)");
    case BlockRole::forced:
      return QObject::tr("forced: sink/diagonal");
    case BlockRole::pv_skipped:
      return QObject::tr("P·V skipped (λ)");
  }
  return {};
}

QImage block_role_image(const HeadPicture& picture) {
  QImage image(int(picture.key_blocks), int(picture.query_blocks), QImage::Format_RGB32);
  for (int64_t i = 0; i < picture.query_blocks; ++i) {
    for (int64_t j = 0; j < picture.key_blocks; ++j)
      image.setPixel(int(j), int(i), block_role_color(picture.role(i, j)).rgb());
  }
  return image;
}

QColor attention_color(double probability) {
  // Viridis reversed at five stops (light yellow for little, dark purple for most), so the
  // heaviest blocks stand out on a light page.
  static constexpr std::array<std::array<int, 3>, 5> stops{{{0xfd, 0xe7, 0x25},
                                                            {0x5e, 0xc9, 0x62},
                                                            {0x21, 0x91, 0x8c},
                                                            {0x3b, 0x52, 0x8b},
                                                            {0x44, 0x01, 0x54}}};
  const double floor_log = std::log10(kAttentionFloor);
  const double clamped = std::clamp(probability, kAttentionFloor, 1.0);
  const double t = (std::log10(clamped) - floor_log) / -floor_log;  // 0 … 1
  const double scaled = t * double(stops.size() - 1);
  const auto low = std::min<std::size_t>(std::size_t(scaled), stops.size() - 2);
  const double f = scaled - double(low);
  auto mix = [&](int c) {
    return int(std::lround(stops[low][c] + f * (stops[low + 1][c] - stops[low][c])));
  };
  return QColor(mix(0), mix(1), mix(2));
}

QImage pooled_attention_image(const HeadPicture& picture) {
  QImage image(int(picture.key_blocks), int(picture.query_blocks), QImage::Format_RGB32);
  for (int64_t i = 0; i < picture.query_blocks; ++i) {
    for (int64_t j = 0; j < picture.key_blocks; ++j) {
      const QColor color = picture.role(i, j) == BlockRole::hidden
                               ? block_role_color(BlockRole::hidden)
                               : attention_color(picture.attention(i, j));
      image.setPixel(int(j), int(i), color.rgb());
    }
  }
  return image;
}

}  // namespace afbs::ui

#pragma once

// A HeadPicture as images, one pixel per block (views scale them without smoothing), and the
// colours and names of the block roles for the legend.

#include <QColor>
#include <QImage>
#include <QString>

#include "core/attention/head_picture.h"

namespace afbs::ui {

// Fixed colours (Okabe–Ito, told apart with colour-vision deficiencies), the same in light and
// dark palettes: the picture is data, not chrome.
QColor block_role_color(BlockRole role);
QString block_role_name(BlockRole role);

// Pixel (j, i) is the role of query block i, key block j.
QImage block_role_image(const HeadPicture& picture);
// Pixel (j, i) is P̂[i, j] on a log scale from kAttentionFloor to 1 (light to dark); hidden
// blocks in the hidden role's colour.
QImage pooled_attention_image(const HeadPicture& picture);
inline constexpr double kAttentionFloor = 1e-4;
QColor attention_color(double probability);

}  // namespace afbs::ui

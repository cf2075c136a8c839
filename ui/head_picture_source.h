#pragma once

#include <functional>
#include <vector>

#include "core/attention/head_picture.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"
#include "core/common/stop_flags.h"

namespace afbs::ui {

// Draws a head's pictures, one per rung, from the session's captured Q/K/V (the app wires it to
// TuningSession::picture_head). Called on the worker thread only, never beside a run.
using HeadPictureSource = std::function<Result<std::vector<HeadPicture>>(
    int layer, int head, const HeadSetting& setting, StopFlags stop)>;

}  // namespace afbs::ui

#pragma once

// Draws one head's HeadPicture from captured Q/K/V with the CPU mask predictor
// (mask_predictor.h) and, for the PV-skip, the CPU block-sparse attention
// (block_sparse_attention.h): the same definitions the tuners are scored by.

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/attention/block_shape.h"
#include "core/attention/head_picture.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"

namespace afbs {

// q [Hq, n, D], k and v [Hkv, n, D], float tensors on the CPU (a capture at n ≥ length);
// `head` a query head. The picture is of the first `length_tokens` tokens. Errors name the
// head, the length or the shapes at fault.
Result<HeadPicture> picture_head(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 int64_t head, const HeadSetting& setting, int64_t length_tokens,
                                 BlockShape shape = {});

}  // namespace afbs

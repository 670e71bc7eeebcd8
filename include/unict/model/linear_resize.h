// Trilinear resizing of [N, C, z, y, x] float32 CPU tensors to a given size, with
// align_corners=false: what F::interpolate(mode trilinear) computes, applied one axis at a time.
// LibTorch 1.13's CPU kernel weighs 8 neighbours per output voxel, and its backward scatters
// them one output voxel at a time: at the quick start the logits' upsampling alone took 9 ms of a
// 105 ms update (docs/benchmarks.md). One axis at a time is 2 taps per axis, an axis whose size
// does not change is skipped (the quick start upsamples y and x only), and the backward is the
// transposed 1-D passes. Equal to F::interpolate up to float rounding (the sums are grouped by
// axis).
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace unict::model {

// Other tensors (CUDA, bf16 under autocast, not 5-D) go to F::interpolate.
at::Tensor trilinear_resize(const at::Tensor& x, const std::vector<std::int64_t>& size_zyx);

}  // namespace unict::model

// From stored cache voxels to the model's input: the HU window [hu_min, hu_max] mapped linearly
// onto [0, 1] and clamped, after the loader's intensity jitter when there is one (HU scaled
// around 0 HU, then shifted). The one place that dequantises uint8 levels, so the loader,
// `unict predict` and the evaluation figures give the model (and show) the same numbers.
#pragma once

#include <algorithm>
#include <cstdint>

#include "unict/io/ndarray.h"

namespace unict::data {

struct IntensityJitter {
  double scale = 1;     // HU * scale
  double shift_hu = 0;  // then + shift_hu
};

// Back from storage to HU (uint8: the HU that the level stands for).
double stored_to_hu(double stored, io::DType stored_type, double hu_min, double hu_max);

class IntensityWindow {
 public:
  // `stored`: int16 (HU) or uint8 (256 levels from hu_min to hu_max).
  IntensityWindow(io::DType stored, double hu_min, double hu_max, IntensityJitter jitter = {});

  // Inline, so that the loader's contiguous rows vectorise.
  float operator()(float stored) const { return std::min(std::max(stored * gain_ + offset_, 0.0f), 1.0f); }

  // A whole volume of stored values (int16 or uint8) into `out` (as many floats as voxels).
  void convert(const io::NdArray& stored, float* out) const;
  // `count` stored values of type `dtype` (int16 or uint8) at `stored` into `out`.
  void convert(io::DType dtype, const std::uint8_t* stored, std::size_t count, float* out) const;

 private:
  float gain_ = 1, offset_ = 0;  // v -> v * gain + offset, before the clamp
};

}  // namespace unict::data

// The `loader` section: batch loader workers, prefetch and augmentation switches.
#pragma once

#include <cstdint>
#include <vector>

#include "unict/core/config_schema.h"

namespace unict::data {

struct LoaderConfig {
  std::int64_t workers = 0;
  std::int64_t prefetch = 0;     // batches built ahead of the consumer
  bool shuffle = true;           // training order; evaluation loaders do not shuffle
  std::vector<std::int64_t> flip_axes;  // array axes (0 z, 1 y, 2 x) flipped with probability 0.5 each
  double intensity_scale = 0;    // HU multiplied by 1 + U(-s, s)
  double intensity_shift = 0;    // plus U(-d, d) HU
  std::vector<std::int64_t> max_shift;  // random shift of up to (z, y, x) voxels, filled with the window minimum
};
const core::Section<LoaderConfig>& loader_section();

// The loader settings of validation and evaluation: in order, without any augmentation.
LoaderConfig evaluation_loader_config(LoaderConfig config);

}  // namespace unict::data

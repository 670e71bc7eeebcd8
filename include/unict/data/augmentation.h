// One volume's augmentation: what is drawn (flips, intensity jitter, a voxel shift) and where
// each output row then reads from in the stored volume. The loader applies it to the CT and to
// the masks alike, so a lesion moves with its mask.
#pragma once

#include <array>
#include <cstdint>

#include "unict/core/seed.h"
#include "unict/data/intensity_window.h"
#include "unict/data/loader_config.h"

namespace unict::data {

struct Augmentation {
  std::array<bool, 3> flip{};            // per array axis (z, y, x)
  IntensityJitter intensity;
  std::array<std::int64_t, 3> shift{};   // output voxel o reads input o - shift (before the flip)
};

// Draws in a fixed order (the batches are a pure function of the seed, so this order is part of
// the format): the flips of config.flip_axes, the intensity scale, the intensity shift, then the
// shift of each axis. Switched-off parts draw nothing.
Augmentation draw_augmentation(const LoaderConfig& config, core::Rng& rng);

// Where output row (z, y) reads: output x in [x_first, x_last) takes input voxel
// first + (x - x_first) * step (an index into the whole volume, C order). The rest of the row, and
// every row with inside false, lies outside the input: the window minimum (0) and no lesion.
struct SourceRow {
  bool inside = false;
  std::int64_t x_first = 0, x_last = 0;
  std::int64_t first = 0, step = 1;
};

class AugmentedGrid {
 public:
  AugmentedGrid(const Augmentation& augmentation, const std::array<std::int64_t, 3>& shape_zyx);
  SourceRow row(std::int64_t z, std::int64_t y) const;

 private:
  // The input index along axis a of output index o; -1 outside.
  std::int64_t source(std::int64_t o, std::size_t a) const;

  std::array<bool, 3> flip_;
  std::array<std::int64_t, 3> shift_, shape_;
};

}  // namespace unict::data

// Preprocessing of one sample, done once into the cache: HU with scanner padding replaced,
// canonical LPS orientation, linear resampling to the target spacing, HU clip, centre crop / pad
// to the target size, compact storage. Masks follow the CT voxel for voxel: each class (the union
// of its findings' channels) is resampled linearly and thresholded, and no lesion vanishes: each
// instance keeps at least the output voxel at its anchor (its voxel nearest its centroid).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "unict/core/config_schema.h"
#include "unict/data/samples.h"
#include "unict/io/nifti.h"

namespace unict::core {
class ThreadPool;
}

namespace unict::data {

struct PreprocessConfig {
  std::vector<double> spacing;      // target (z, y, x) mm
  std::vector<std::int64_t> size;   // target (z, y, x) voxels
  double hu_min = 0, hu_max = 0;    // clip window
  double padding_below = 0;         // voxels below this HU are scanner padding
  double pad_hu = 0;                // value for padding and for crop / pad fill
  double mask_threshold = 0;
  std::string storage;              // int16 (HU) or uint8 (window quantised to 0..255)
};
const core::Section<PreprocessConfig>& preprocess_section();

struct PreparedVolume {
  io::NdArray ct;                                // (z, y, x), int16 HU or uint8
  std::vector<std::vector<std::uint8_t>> masks;  // per class, (z, y, x) 0 / 1; empty: no mask
  io::Geometry geometry;                         // canonical, after resampling and crop / pad
};

// Errors name the file: unreadable CT or mask, a mask whose shape differs from its CT, a
// finding channel the mask does not have.
PreparedVolume preprocess_sample(const Sample& sample, std::size_t classes, const PreprocessConfig& config, core::ThreadPool* pool);

}  // namespace unict::data

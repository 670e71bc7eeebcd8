#include "unict/data/loader_config.h"

namespace unict::data {

const core::Section<LoaderConfig>& loader_section() {
  static const core::Section<LoaderConfig> section = [] {
    using core::Range;
    core::Section<LoaderConfig> s("loader");
    s.key("workers", &LoaderConfig::workers, std::int64_t{2}, "worker threads that read, augment and collate batches (0: in the caller)")
        .in_range(Range::closed(0, 64));
    s.key("prefetch", &LoaderConfig::prefetch, std::int64_t{4}, "batches prepared ahead of the consumer").in_range(Range::closed(1, 256));
    s.key("shuffle", &LoaderConfig::shuffle, true, "shuffle the training order each epoch (a pure function of run.seed and the epoch)");
    s.key("flip_axes", &LoaderConfig::flip_axes, std::vector<std::int64_t>{},
          "array axes flipped at random (0 z, 1 y, 2 x); empty by default: a left-right flip contradicts side-specific report text")
        .in_range(Range::closed(0, 2));
    s.key("intensity_scale", &LoaderConfig::intensity_scale, 0.05, "random intensity scale: HU x (1 + U(-s, s)); 0 = off")
        .in_range(Range::closed(0, 0.5));
    s.key("intensity_shift", &LoaderConfig::intensity_shift, 20.0, "random intensity shift: + U(-d, d) HU; 0 = off").in_range(Range::closed(0, 500));
    s.key("max_shift", &LoaderConfig::max_shift, std::vector<std::int64_t>{0, 4, 4},
          "random spatial shift of up to (z, y, x) voxels, filled with the window minimum; zeros = off")
        .of_length(3).in_range(Range::closed(0, 256));
    return s;
  }();
  return section;
}

LoaderConfig evaluation_loader_config(LoaderConfig config) {
  config.shuffle = false;
  config.flip_axes.clear();
  config.intensity_scale = config.intensity_shift = 0;
  for (auto& s : config.max_shift) s = 0;
  return config;
}

}  // namespace unict::data

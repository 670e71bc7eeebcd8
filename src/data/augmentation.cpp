#include "unict/data/augmentation.h"

#include <algorithm>

namespace unict::data {

Augmentation draw_augmentation(const LoaderConfig& config, core::Rng& rng) {
  Augmentation a;
  for (auto axis : config.flip_axes) a.flip[static_cast<std::size_t>(axis)] = rng.bernoulli(0.5);
  if (config.intensity_scale > 0) a.intensity.scale = 1.0 + rng.uniform(-config.intensity_scale, config.intensity_scale);
  if (config.intensity_shift > 0) a.intensity.shift_hu = rng.uniform(-config.intensity_shift, config.intensity_shift);
  for (std::size_t axis = 0; axis < 3 && axis < config.max_shift.size(); ++axis) {
    const std::int64_t most = config.max_shift[axis];
    if (most > 0) a.shift[axis] = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * most + 1))) - most;
  }
  return a;
}

AugmentedGrid::AugmentedGrid(const Augmentation& augmentation, const std::array<std::int64_t, 3>& shape_zyx)
    : flip_(augmentation.flip), shift_(augmentation.shift), shape_(shape_zyx) {}

std::int64_t AugmentedGrid::source(std::int64_t o, std::size_t a) const {
  const std::int64_t i = o - shift_[a], extent = shape_[a];
  if (i < 0 || i >= extent) return -1;
  return flip_[a] ? extent - 1 - i : i;
}

SourceRow AugmentedGrid::row(std::int64_t z, std::int64_t y) const {
  const std::int64_t nx = shape_[2];
  SourceRow r;
  r.x_first = std::max<std::int64_t>(0, shift_[2]);
  r.x_last = std::min<std::int64_t>(nx, nx + shift_[2]);
  const std::int64_t sz = source(z, 0), sy = source(y, 1);
  r.inside = sz >= 0 && sy >= 0 && r.x_last > r.x_first;
  if (!r.inside) return r;
  r.step = flip_[2] ? -1 : 1;
  r.first = (sz * shape_[1] + sy) * nx + source(r.x_first, 2);
  return r;
}

}  // namespace unict::data

// Segmentation metrics on binary 3-D masks (z, y, x), one class at a time:
//   Dice = 2 |P ∩ G| / (|P| + |G|), counted only on cases whose ground truth has the class (a case
//   without it contributes its false-positive volume instead; both empty is no evidence either way);
//   ReXGroundingCT's measures: hit = Dice >= 0.1 for a finding; instances are 26-connected
//   components, a predicted component is a true positive when it matches a distinct ground-truth
//   component with Dice >= 0.2 (greedy, best Dice first).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace unict::eval {

struct Mask3d {
  std::int64_t z = 0, y = 0, x = 0;
  std::vector<std::uint8_t> voxels;  // z * y * x, non-zero = inside
  std::size_t size() const { return voxels.size(); }
};

std::int64_t count_voxels(const Mask3d& mask);
// Nullopt when both masks are empty.
std::optional<double> dice(const Mask3d& prediction, const Mask3d& truth);

// Labels of 26-connected components: 0 outside, 1..count inside (in scan order of first voxel).
struct Components {
  std::vector<std::int32_t> labels;
  std::int32_t count = 0;
};
Components connected_components_26(const Mask3d& mask);

struct InstanceCounts {
  std::int64_t predicted = 0, truth = 0, matched = 0;  // matched: true positives (one-to-one)
};
InstanceCounts match_instances(const Mask3d& prediction, const Mask3d& truth, double min_dice = 0.2);

inline constexpr double kHitDice = 0.1;
inline constexpr double kInstanceDice = 0.2;

}  // namespace unict::eval

#include "unict/eval/segmentation.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "unict/core/error.h"

namespace unict::eval {
namespace {

void check_same_shape(const Mask3d& a, const Mask3d& b) {
  if (a.z != b.z || a.y != b.y || a.x != b.x || a.size() != b.size()) throw internal_error("masks of different shapes");
}

// Union-find over provisional labels.
std::int32_t find_root(std::vector<std::int32_t>& parent, std::int32_t a) {
  while (parent[static_cast<std::size_t>(a)] != a) {
    parent[static_cast<std::size_t>(a)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(a)])];
    a = parent[static_cast<std::size_t>(a)];
  }
  return a;
}

}  // namespace

std::int64_t count_voxels(const Mask3d& mask) {
  return std::count_if(mask.voxels.begin(), mask.voxels.end(), [](auto v) { return v != 0; });
}

std::optional<double> dice(const Mask3d& prediction, const Mask3d& truth) {
  check_same_shape(prediction, truth);
  std::int64_t p = 0, g = 0, both = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const bool a = prediction.voxels[i] != 0, b = truth.voxels[i] != 0;
    p += a;
    g += b;
    both += a && b;
  }
  if (p + g == 0) return std::nullopt;
  return 2.0 * static_cast<double>(both) / static_cast<double>(p + g);
}

Components connected_components_26(const Mask3d& mask) {
  // Two passes: provisional labels from the 13 already-visited neighbours, merged by union-find,
  // then renumbered in scan order.
  const auto Z = mask.z, Y = mask.y, X = mask.x;
  std::vector<std::int32_t> provisional(mask.size(), 0);
  std::vector<std::int32_t> parent{0};
  auto at = [&](std::int64_t z, std::int64_t y, std::int64_t x) { return static_cast<std::size_t>((z * Y + y) * X + x); };
  for (std::int64_t z = 0; z < Z; ++z)
    for (std::int64_t y = 0; y < Y; ++y)
      for (std::int64_t x = 0; x < X; ++x) {
        if (!mask.voxels[at(z, y, x)]) continue;
        std::int32_t label = 0;
        for (std::int64_t dz = -1; dz <= 0; ++dz)
          for (std::int64_t dy = -1; dy <= 1; ++dy)
            for (std::int64_t dx = -1; dx <= 1; ++dx) {
              if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0))) continue;  // not yet visited
              const auto nz = z + dz, ny = y + dy, nx = x + dx;
              if (nz < 0 || ny < 0 || ny >= Y || nx < 0 || nx >= X) continue;
              const auto neighbour = provisional[at(nz, ny, nx)];
              if (neighbour == 0) continue;
              if (label == 0) {
                label = neighbour;
              } else {
                const auto a = find_root(parent, label), b = find_root(parent, neighbour);
                if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
              }
            }
        if (label == 0) {
          label = static_cast<std::int32_t>(parent.size());
          parent.push_back(label);
        }
        provisional[at(z, y, x)] = label;
      }
  Components out;
  out.labels.assign(mask.size(), 0);
  std::vector<std::int32_t> final_label(parent.size(), 0);
  for (std::size_t i = 0; i < provisional.size(); ++i) {
    if (!provisional[i]) continue;
    const auto root = find_root(parent, provisional[i]);
    auto& f = final_label[static_cast<std::size_t>(root)];
    if (f == 0) f = ++out.count;
    out.labels[i] = f;
  }
  return out;
}

InstanceCounts match_instances(const Mask3d& prediction, const Mask3d& truth, double min_dice) {
  check_same_shape(prediction, truth);
  const auto p = connected_components_26(prediction), g = connected_components_26(truth);
  std::vector<std::int64_t> p_size(static_cast<std::size_t>(p.count) + 1, 0), g_size(static_cast<std::size_t>(g.count) + 1, 0);
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> overlap;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    ++p_size[static_cast<std::size_t>(p.labels[i])];
    ++g_size[static_cast<std::size_t>(g.labels[i])];
    if (p.labels[i] && g.labels[i]) ++overlap[{p.labels[i], g.labels[i]}];
  }
  // Candidate pairs by Dice, best first; each component is matched at most once.
  std::vector<std::tuple<double, std::int32_t, std::int32_t>> pairs;
  for (const auto& [key, both] : overlap) {
    const double d = 2.0 * static_cast<double>(both) /
                     static_cast<double>(p_size[static_cast<std::size_t>(key.first)] + g_size[static_cast<std::size_t>(key.second)]);
    if (d >= min_dice) pairs.emplace_back(d, key.first, key.second);
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::vector<bool> p_used(p_size.size(), false), g_used(g_size.size(), false);
  InstanceCounts counts{p.count, g.count, 0};
  for (const auto& [d, pi, gi] : pairs) {
    if (p_used[static_cast<std::size_t>(pi)] || g_used[static_cast<std::size_t>(gi)]) continue;
    p_used[static_cast<std::size_t>(pi)] = g_used[static_cast<std::size_t>(gi)] = true;
    ++counts.matched;
  }
  return counts;
}

}  // namespace unict::eval

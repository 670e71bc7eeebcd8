// A voxel phantom of the chest: shapes described in millimetres (LPS: x to the patient's left,
// y to the back, z up) are painted onto a CT grid of any size and spacing, together with a tissue
// map that lesions use to stay inside the lungs. Used by the synthetic data generator.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace unict::data {

using Vec3 = std::array<double, 3>;  // x, y, z in mm

enum class Tissue : std::uint8_t { outside, body, fat, lung, airway, heart, bone, vessel, fluid };

class Phantom {
 public:
  // size and spacing in (z, y, x) order, as the array; origin is the LPS position of voxel 0.
  Phantom(std::array<std::int64_t, 3> size_zyx, std::array<double, 3> spacing_zyx, Vec3 origin);

  std::int64_t voxels() const { return size_[0] * size_[1] * size_[2]; }
  const std::array<std::int64_t, 3>& size() const { return size_; }
  const std::array<double, 3>& spacing() const { return spacing_; }
  const Vec3& origin() const { return origin_; }
  Vec3 centre_of(std::int64_t index) const;  // world position of a voxel (C-order index)

  std::vector<float>& hu() { return hu_; }
  std::vector<Tissue>& tissue() { return tissue_; }
  const std::vector<float>& hu() const { return hu_; }
  const std::vector<Tissue>& tissue() const { return tissue_; }

  // Calls visit(index, position) for every voxel whose centre lies in the box [lo, hi] and for
  // which inside(position) holds. A template: it runs once per voxel of every painted shape.
  template <class Inside, class Visit>
  void for_each_in(const Vec3& lo, const Vec3& hi, Inside&& inside, Visit&& visit) const;

  // The voxel whose centre is nearest to p, or -1 outside the grid.
  std::int64_t index_at(const Vec3& p) const;

  // Inside tests for the shapes the generator uses.
  static bool in_ellipsoid(const Vec3& p, const Vec3& centre, const Vec3& radii);
  // A capsule: points within `radius` of the segment a-b.
  static bool in_capsule(const Vec3& p, const Vec3& a, const Vec3& b, double radius);
  static double distance_to_segment(const Vec3& p, const Vec3& a, const Vec3& b);

 private:
  std::array<std::int64_t, 3> size_;
  std::array<double, 3> spacing_;
  Vec3 origin_;
  std::vector<float> hu_;
  std::vector<Tissue> tissue_;
};

template <class Inside, class Visit>
void Phantom::for_each_in(const Vec3& lo, const Vec3& hi, Inside&& inside, Visit&& visit) const {
  std::array<std::int64_t, 3> first{}, last{};  // per world axis x, y, z (array axes 2, 1, 0)
  for (std::size_t a = 0; a < 3; ++a) {
    const std::size_t axis = 2 - a;
    const double step = spacing_[axis];
    first[a] = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::ceil((lo[a] - origin_[a]) / step)));
    last[a] = std::min<std::int64_t>(size_[axis] - 1, static_cast<std::int64_t>(std::floor((hi[a] - origin_[a]) / step)));
  }
  Vec3 p;
  for (std::int64_t k = first[2]; k <= last[2]; ++k) {
    p[2] = origin_[2] + static_cast<double>(k) * spacing_[0];
    for (std::int64_t j = first[1]; j <= last[1]; ++j) {
      p[1] = origin_[1] + static_cast<double>(j) * spacing_[1];
      const std::int64_t row = (k * size_[1] + j) * size_[2];
      for (std::int64_t i = first[0]; i <= last[0]; ++i) {
        p[0] = origin_[0] + static_cast<double>(i) * spacing_[2];
        if (inside(p)) visit(row + i, p);
      }
    }
  }
}

}  // namespace unict::data

#include "unict/data/phantom.h"

#include <algorithm>
#include <cmath>

namespace unict::data {

Phantom::Phantom(std::array<std::int64_t, 3> size_zyx, std::array<double, 3> spacing_zyx, Vec3 origin)
    : size_(size_zyx), spacing_(spacing_zyx), origin_(origin),
      hu_(static_cast<std::size_t>(size_zyx[0] * size_zyx[1] * size_zyx[2]), -1000.0f),
      tissue_(hu_.size(), Tissue::outside) {}

Vec3 Phantom::centre_of(std::int64_t index) const {
  const std::int64_t i = index % size_[2];
  const std::int64_t j = (index / size_[2]) % size_[1];
  const std::int64_t k = index / (size_[1] * size_[2]);
  return {origin_[0] + static_cast<double>(i) * spacing_[2], origin_[1] + static_cast<double>(j) * spacing_[1],
          origin_[2] + static_cast<double>(k) * spacing_[0]};
}

std::int64_t Phantom::index_at(const Vec3& p) const {
  std::int64_t index[3];
  for (std::size_t a = 0; a < 3; ++a) {
    const std::size_t axis = 2 - a;
    const auto i = static_cast<std::int64_t>(std::llround((p[a] - origin_[a]) / spacing_[axis]));
    if (i < 0 || i >= size_[axis]) return -1;
    index[axis] = i;
  }
  return (index[0] * size_[1] + index[1]) * size_[2] + index[2];
}

bool Phantom::in_ellipsoid(const Vec3& p, const Vec3& c, const Vec3& r) {
  double s = 0;
  for (int a = 0; a < 3; ++a) {
    const double d = (p[static_cast<std::size_t>(a)] - c[static_cast<std::size_t>(a)]) / r[static_cast<std::size_t>(a)];
    s += d * d;
  }
  return s <= 1.0;
}

double Phantom::distance_to_segment(const Vec3& p, const Vec3& a, const Vec3& b) {
  Vec3 ab{b[0] - a[0], b[1] - a[1], b[2] - a[2]}, ap{p[0] - a[0], p[1] - a[1], p[2] - a[2]};
  const double len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  double t = len2 > 0 ? (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double dx = ap[0] - t * ab[0], dy = ap[1] - t * ab[1], dz = ap[2] - t * ab[2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

bool Phantom::in_capsule(const Vec3& p, const Vec3& a, const Vec3& b, double radius) {
  return distance_to_segment(p, a, b) <= radius;
}

}  // namespace unict::data

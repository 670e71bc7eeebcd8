#include "unict/data/resample.h"

#include <algorithm>
#include <cmath>

#include "unict/core/error.h"
#include "unict/core/huge_page_allocator.h"
#include "unict/core/thread_pool.h"

namespace unict::data {
namespace {

void for_each_index(std::size_t count, core::ThreadPool* pool, const std::function<void(std::size_t)>& body) {
  if (pool && count > 1) {
    pool->parallel_for(count, body);
  } else {
    for (std::size_t i = 0; i < count; ++i) body(i);
  }
}

// Source index pairs and weights of one axis (torch's align_corners=False rule).
struct Taps {
  std::vector<std::int64_t> lo, hi;
  std::vector<float> w;
};

Taps taps_for(std::int64_t in, std::int64_t out) {
  Taps t;
  t.lo.resize(static_cast<std::size_t>(out));
  t.hi.resize(static_cast<std::size_t>(out));
  t.w.resize(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (std::int64_t o = 0; o < out; ++o) {
    const double src = std::max(0.0, (static_cast<double>(o) + 0.5) * scale - 0.5);
    const auto lo = std::min<std::int64_t>(static_cast<std::int64_t>(src), in - 1);
    t.lo[static_cast<std::size_t>(o)] = lo;
    t.hi[static_cast<std::size_t>(o)] = std::min<std::int64_t>(lo + 1, in - 1);
    t.w[static_cast<std::size_t>(o)] = static_cast<float>(src - static_cast<double>(lo));
  }
  return t;
}

}  // namespace

std::array<std::int64_t, 3> shape_of(const FloatVolume& v) { return {v.array.shape[0], v.array.shape[1], v.array.shape[2]}; }
std::array<double, 3> spacing_zyx(const FloatVolume& v) { return {v.geometry.spacing[2], v.geometry.spacing[1], v.geometry.spacing[0]}; }

FloatVolume to_canonical(FloatVolume volume, const std::string& source) {
  const auto& g = volume.geometry;
  // File axis a (0 = x, fastest) points mostly along LPS component lps[a], with sign sign[a].
  std::array<int, 3> lps{}, sign{};
  std::array<bool, 3> used{};
  for (int a = 0; a < 3; ++a) {
    int best = 0;
    for (int r = 1; r < 3; ++r)
      if (std::fabs(g.direction[static_cast<std::size_t>(r * 3 + a)]) > std::fabs(g.direction[static_cast<std::size_t>(best * 3 + a)])) best = r;
    // Snapping is exact for axis-aligned scans (CT-RATE, RAD-ChestCT) and close for a small gantry
    // tilt; beyond 30 degrees it would misplace anatomy, so such a volume is refused.
    if (used[static_cast<std::size_t>(best)] || std::fabs(g.direction[static_cast<std::size_t>(best * 3 + a)]) < 0.866)
      throw Error("volume axes are more than 30 degrees from the LPS axes (oblique); cannot reorient").file(source);
    used[static_cast<std::size_t>(best)] = true;
    lps[static_cast<std::size_t>(a)] = best;
    sign[static_cast<std::size_t>(a)] = g.direction[static_cast<std::size_t>(best * 3 + a)] > 0 ? 1 : -1;
  }
  const auto in = shape_of(volume);  // (z, y, x) = file axes (2, 1, 0)
  // Output file axis b takes the input file axis a with lps[a] == b.
  std::array<int, 3> from{};
  for (int a = 0; a < 3; ++a) from[static_cast<std::size_t>(lps[static_cast<std::size_t>(a)])] = a;
  const bool identity = lps == std::array<int, 3>{0, 1, 2} && sign == std::array<int, 3>{1, 1, 1};
  FloatVolume out;
  out.geometry = io::Geometry::identity(3);
  for (int b = 0; b < 3; ++b) out.geometry.spacing[static_cast<std::size_t>(b)] = g.spacing[static_cast<std::size_t>(from[static_cast<std::size_t>(b)])];
  out.geometry.origin = g.origin;
  for (int a = 0; a < 3; ++a) {
    if (sign[static_cast<std::size_t>(a)] > 0) continue;
    // The new first voxel is the old last one along a flipped axis.
    const double steps = static_cast<double>(in[static_cast<std::size_t>(2 - a)] - 1) * g.spacing[static_cast<std::size_t>(a)];
    for (int r = 0; r < 3; ++r) out.geometry.origin[static_cast<std::size_t>(r)] += steps * g.direction[static_cast<std::size_t>(r * 3 + a)];
  }
  if (identity) {
    out.array = std::move(volume.array);
    return out;
  }
  const std::array<std::int64_t, 3> out_shape = {in[static_cast<std::size_t>(2 - from[2])], in[static_cast<std::size_t>(2 - from[1])], in[static_cast<std::size_t>(2 - from[0])]};
  out.array = io::NdArray::uninitialized(io::DType::float32, {out_shape[0], out_shape[1], out_shape[2]});
  const float* src = volume.array.data<float>();
  float* dst = out.array.data<float>();
  // Input strides per file axis (x: 1, y: nx, z: nx * ny).
  const std::array<std::int64_t, 3> stride = {1, in[2], in[2] * in[1]};
  std::array<std::int64_t, 3> step{}, start{};
  for (int b = 0; b < 3; ++b) {
    const int a = from[static_cast<std::size_t>(b)];
    const std::int64_t n = in[static_cast<std::size_t>(2 - a)];
    step[static_cast<std::size_t>(b)] = sign[static_cast<std::size_t>(a)] * stride[static_cast<std::size_t>(a)];
    start[static_cast<std::size_t>(b)] = sign[static_cast<std::size_t>(a)] > 0 ? 0 : (n - 1) * stride[static_cast<std::size_t>(a)];
  }
  std::size_t o = 0;
  for (std::int64_t k = 0; k < out_shape[0]; ++k)
    for (std::int64_t j = 0; j < out_shape[1]; ++j) {
      std::int64_t s = start[2] + k * step[2] + start[1] + j * step[1] + start[0];
      for (std::int64_t i = 0; i < out_shape[2]; ++i, s += step[0]) dst[o++] = src[s];
    }
  return out;
}

std::array<std::int64_t, 3> resampled_size(const std::array<std::int64_t, 3>& size, const std::array<double, 3>& spacing,
                                           const std::array<double, 3>& target) {
  std::array<std::int64_t, 3> out{};
  for (std::size_t a = 0; a < 3; ++a)
    out[a] = std::max<std::int64_t>(1, std::llround(static_cast<double>(size[a]) * spacing[a] / target[a]));
  return out;
}

FloatVolume resample_linear(const FloatVolume& volume, const std::array<std::int64_t, 3>& size, core::ThreadPool* pool) {
  const auto in = shape_of(volume);
  const Taps tz = taps_for(in[0], size[0]), ty = taps_for(in[1], size[1]), tx = taps_for(in[2], size[2]);
  const std::int64_t plane = in[1] * in[2];
  const float* src = volume.array.data<float>();
  FloatVolume result;
  result.array = io::NdArray::uninitialized(io::DType::float32, {size[0], size[1], size[2]});
  float* dst = result.array.data<float>();
  // One output slice at a time, all three passes through slice- and row-sized buffers that stay
  // in cache: the input is read once and the output written once.
  for_each_index(static_cast<std::size_t>(size[0]), pool, [&](std::size_t z) {
    thread_local std::vector<float> slice, row;
    slice.resize(static_cast<std::size_t>(plane));
    row.resize(static_cast<std::size_t>(in[2]));
    const float* lo = src + tz.lo[z] * plane;
    const float* hi = src + tz.hi[z] * plane;
    const float wz = tz.w[z];
    for (std::int64_t i = 0; i < plane; ++i) slice[static_cast<std::size_t>(i)] = lo[i] + wz * (hi[i] - lo[i]);
    for (std::int64_t y = 0; y < size[1]; ++y) {
      const float* a = slice.data() + ty.lo[static_cast<std::size_t>(y)] * in[2];
      const float* b = slice.data() + ty.hi[static_cast<std::size_t>(y)] * in[2];
      const float wy = ty.w[static_cast<std::size_t>(y)];
      for (std::int64_t i = 0; i < in[2]; ++i) row[static_cast<std::size_t>(i)] = a[i] + wy * (b[i] - a[i]);
      float* out = dst + (static_cast<std::int64_t>(z) * size[1] + y) * size[2];
      for (std::int64_t x = 0; x < size[2]; ++x) {
        const float l = row[static_cast<std::size_t>(tx.lo[static_cast<std::size_t>(x)])], h = row[static_cast<std::size_t>(tx.hi[static_cast<std::size_t>(x)])];
        out[x] = l + tx.w[static_cast<std::size_t>(x)] * (h - l);
      }
    }
  });
  // Geometry: same extent; voxel centres move by half a voxel of the change.
  result.geometry = volume.geometry;
  for (std::size_t a = 0; a < 3; ++a) {  // a: file axis (x, y, z)
    const double ratio = static_cast<double>(in[2 - a]) / static_cast<double>(size[2 - a]);
    const double shift = (0.5 * ratio - 0.5) * volume.geometry.spacing[a];
    for (std::size_t r = 0; r < 3; ++r) result.geometry.origin[r] += shift * volume.geometry.direction[r * 3 + a];
    result.geometry.spacing[a] = volume.geometry.spacing[a] * ratio;
  }
  return result;
}

std::array<std::int64_t, 3> crop_offsets(const std::array<std::int64_t, 3>& in, const std::array<std::int64_t, 3>& size) {
  std::array<std::int64_t, 3> offset{};
  for (std::size_t a = 0; a < 3; ++a) offset[a] = in[a] >= size[a] ? (in[a] - size[a]) / 2 : -((size[a] - in[a]) / 2);
  return offset;
}

io::Geometry cropped_geometry(const io::Geometry& g, const std::array<std::int64_t, 3>& offset) {
  io::Geometry out = g;
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t r = 0; r < 3; ++r) out.origin[r] += static_cast<double>(offset[2 - a]) * g.spacing[a] * g.direction[r * 3 + a];
  return out;
}

FloatVolume crop_or_pad(const FloatVolume& volume, const std::array<std::int64_t, 3>& size, float fill) {
  const auto in = shape_of(volume);
  const auto offset = crop_offsets(in, size);
  FloatVolume out;
  out.array = io::NdArray::uninitialized(io::DType::float32, {size[0], size[1], size[2]});
  float* dst = out.array.data<float>();
  std::fill(dst, dst + out.array.size(), fill);
  const float* src = volume.array.data<float>();
  for (std::int64_t z = 0; z < size[0]; ++z) {
    const std::int64_t sz = z + offset[0];
    if (sz < 0 || sz >= in[0]) continue;
    for (std::int64_t y = 0; y < size[1]; ++y) {
      const std::int64_t sy = y + offset[1];
      if (sy < 0 || sy >= in[1]) continue;
      const std::int64_t x0 = std::max<std::int64_t>(0, -offset[2]), x1 = std::min<std::int64_t>(size[2], in[2] - offset[2]);
      if (x1 <= x0) continue;
      std::copy(src + (sz * in[1] + sy) * in[2] + x0 + offset[2], src + (sz * in[1] + sy) * in[2] + x1 + offset[2],
                dst + (z * size[1] + y) * size[2] + x0);
    }
  }
  out.geometry = cropped_geometry(volume.geometry, offset);
  return out;
}

}  // namespace unict::data

namespace unict::data {

std::vector<std::uint8_t> mask_to_grid(const std::vector<std::uint8_t>& mask, const std::array<std::int64_t, 3>& mask_zyx,
                                       const io::Geometry& mask_geometry, const std::vector<std::int64_t>& target_dims,
                                       const io::Geometry& target_geometry) {
  if (target_dims.size() != 3 || target_geometry.ndim() != 3 || mask_geometry.ndim() != 3)
    throw internal_error("mask_to_grid needs 3-D grids");
  const std::int64_t nx = target_dims[0], ny = target_dims[1], nz = target_dims[2];
  std::vector<std::uint8_t> out(static_cast<std::size_t>(nx * ny * nz), 0);
  const auto& d = target_geometry.direction;
  const auto& s = target_geometry.spacing;
  const auto& o = target_geometry.origin;
  const std::int64_t grid[3] = {mask_zyx[2], mask_zyx[1], mask_zyx[0]};  // x, y, z
  for (std::int64_t k = 0; k < nz; ++k)
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const double idx[3] = {static_cast<double>(i) * s[0], static_cast<double>(j) * s[1], static_cast<double>(k) * s[2]};
        std::int64_t g[3];
        bool inside = true;
        for (int r = 0; r < 3 && inside; ++r) {
          const double p = o[static_cast<std::size_t>(r)] + d[static_cast<std::size_t>(r * 3)] * idx[0] +
                           d[static_cast<std::size_t>(r * 3 + 1)] * idx[1] + d[static_cast<std::size_t>(r * 3 + 2)] * idx[2];
          g[r] = static_cast<std::int64_t>(std::llround((p - mask_geometry.origin[static_cast<std::size_t>(r)]) /
                                                        mask_geometry.spacing[static_cast<std::size_t>(r)]));
          inside = g[r] >= 0 && g[r] < grid[r];
        }
        if (!inside) continue;
        out[static_cast<std::size_t>((k * ny + j) * nx + i)] = mask[static_cast<std::size_t>((g[2] * grid[1] + g[1]) * grid[0] + g[0])];
      }
  return out;
}

io::Volume class_masks_to_grid(const std::uint8_t* masks, std::size_t classes, const std::array<std::int64_t, 3>& mask_zyx,
                               const io::Geometry& mask_geometry, const std::vector<std::int64_t>& target_dims,
                               const io::Geometry& target_geometry) {
  const auto grid_voxels = static_cast<std::size_t>(mask_zyx[0] * mask_zyx[1] * mask_zyx[2]);
  const auto n = static_cast<std::size_t>(target_dims[0] * target_dims[1] * target_dims[2]);
  io::Volume volume;
  volume.array = io::NdArray(io::DType::uint8, {static_cast<std::int64_t>(classes), target_dims[2], target_dims[1], target_dims[0]});
  for (std::size_t c = 0; c < classes; ++c) {
    const std::vector<std::uint8_t> one(masks + c * grid_voxels, masks + (c + 1) * grid_voxels);
    const auto moved = mask_to_grid(one, mask_zyx, mask_geometry, target_dims, target_geometry);
    std::copy(moved.begin(), moved.end(), volume.array.data<std::uint8_t>() + c * n);
  }
  volume.geometry = io::Geometry::identity(4);
  for (std::size_t r = 0; r < 3; ++r) {
    volume.geometry.spacing[r] = target_geometry.spacing[r];
    volume.geometry.origin[r] = target_geometry.origin[r];
    for (std::size_t col = 0; col < 3; ++col) volume.geometry.direction[r * 4 + col] = target_geometry.direction[r * 3 + col];
  }
  return volume;
}

}  // namespace unict::data

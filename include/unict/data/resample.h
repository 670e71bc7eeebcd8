// Volume operations of the preprocessing, on float (z, y, x) arrays: reorientation to the
// canonical LPS order, separable linear resampling, centre crop / pad.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "unict/io/nifti.h"

namespace unict::core {
class ThreadPool;
}

namespace unict::data {

// A float32 volume with its geometry; array (z, y, x), geometry per file axis (x, y, z).
using FloatVolume = io::Volume;

// Permutes and flips the axes so that array axes run (inferior->superior, anterior->posterior,
// right->left), i.e. the direction becomes the identity in LPS. The direction of each file axis
// is snapped to its dominant LPS axis; a volume with an axis more than 30 degrees off the LPS axes
// is an Error naming `source`.
FloatVolume to_canonical(FloatVolume volume, const std::string& source);  // moves the voxels when already canonical

// The output size of linear resampling from `spacing` to `target` (at least 1 voxel per axis).
std::array<std::int64_t, 3> resampled_size(const std::array<std::int64_t, 3>& size_zyx, const std::array<double, 3>& spacing_zyx,
                                           const std::array<double, 3>& target_zyx);

// Separable linear interpolation to `size_zyx` with half-pixel centres and edge clamping,
// the rule of torch.nn.functional.interpolate(mode="trilinear", align_corners=False): output
// voxel o samples input coordinate (o + 0.5) * in / out - 0.5 (clamped at 0). The geometry keeps
// the physical extent (new spacing = old * in / out). `pool` may be null.
FloatVolume resample_linear(const FloatVolume& volume, const std::array<std::int64_t, 3>& size_zyx, core::ThreadPool* pool);

// Centre crop or pad to `size_zyx` (extra voxel at the end), filling with `fill`.
FloatVolume crop_or_pad(const FloatVolume& volume, const std::array<std::int64_t, 3>& size_zyx, float fill);

// Where the centre crop / pad takes output voxel 0 from: input index per axis (z, y, x),
// negative when padding comes first. And the geometry of the cropped / padded grid.
std::array<std::int64_t, 3> crop_offsets(const std::array<std::int64_t, 3>& in_zyx, const std::array<std::int64_t, 3>& size_zyx);
io::Geometry cropped_geometry(const io::Geometry& geometry, const std::array<std::int64_t, 3>& offsets_zyx);

std::array<std::int64_t, 3> shape_of(const FloatVolume& volume);
std::array<double, 3> spacing_zyx(const FloatVolume& volume);

}  // namespace unict::data

namespace unict::data {

// Nearest-neighbour transfer of a mask from a canonical grid (array (z, y, x); geometry per axis
// x, y, z with an identity LPS direction, as the cache stores it) onto any grid, e.g. the CT's
// original one: every target voxel takes the grid voxel its physical centre falls in, 0 outside.
// Returns the target array (shape = reversed target dims: (z, y, x) of the file axes).
std::vector<std::uint8_t> mask_to_grid(const std::vector<std::uint8_t>& mask, const std::array<std::int64_t, 3>& mask_zyx,
                                       const io::Geometry& mask_geometry, const std::vector<std::int64_t>& target_dims,
                                       const io::Geometry& target_geometry);

// Every class of `masks` (classes x grid voxels, (z, y, x) each) moved by mask_to_grid: a 4-D
// volume (x, y, z, class) on the target grid, its geometry the target's plus a class axis.
io::Volume class_masks_to_grid(const std::uint8_t* masks, std::size_t classes, const std::array<std::int64_t, 3>& mask_zyx,
                               const io::Geometry& mask_geometry, const std::vector<std::int64_t>& target_dims,
                               const io::Geometry& target_geometry);

}  // namespace unict::data

// What `unict inspect` prints about a volume file: dtype, shape in the file's own axis order
// (NIfTI dim[1..n], the NPY header's shape), geometry where the format has one, and statistics
// over all voxels in float64; for 4-D files also the non-zero count per index of the first axis
// (per finding, for a ReXGroundingCT mask).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "unict/io/ndarray.h"

namespace unict::io {

// min, max, mean and sum of all elements in float64 (NaN elements counted as nan_voxels and left
// out of the others), as `unict inspect` prints them.
nlohmann::json array_statistics(const NdArray& array);

// `file` is a .nii / .nii.gz, a .npy, or a .npz (with `member`, or its only member).
nlohmann::json inspect_file(const std::filesystem::path& file, const std::string& member = "");

}  // namespace unict::io

// Where a CT volume is and how to turn its file into Hounsfield units with LPS geometry:
//  - CT-RATE v2 (and any NIfTI in HU): voxels as stored, geometry from the header;
//  - CT-RATE v1: stored * RescaleSlope + RescaleIntercept and geometry from the metadata CSV
//    (v1 headers are unreliable);
//  - RAD-ChestCT: the .npz member ct.npy, axes (superior->inferior, anterior->posterior,
//    right->left), isotropic spacing from the config (the file stores none).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "unict/io/nifti.h"

namespace unict::data {

enum class CtFormat { nifti_hu, nifti_rescaled, radchestct_npz };

struct CtSource {
  std::filesystem::path file;
  CtFormat format = CtFormat::nifti_hu;
  double slope = 1.0, intercept = 0.0;  // nifti_rescaled
  std::optional<io::Geometry> geometry; // replaces the file's geometry when set
};

// HU as float32, array (z, y, x) in the file's voxel order, geometry per file axis (x first).
// Errors name the file: unreadable, not 3-D, NaN or infinite voxels.
io::Volume load_ct(const CtSource& source);

// The geometry of a RAD-ChestCT array of shape (slices, rows, columns) at `spacing` mm.
io::Geometry radchestct_geometry(double spacing);

}  // namespace unict::data

// NIfTI-1 volumes (.nii, .nii.gz), 3-D and 4-D. ITK turns the header's qform / sform into the
// geometry and writes files; the voxels are read with zlib, byte-exact: ITK neither reports a
// truncated file (it returns zeros) nor keeps the stored type of a scaled one (it makes it float).
//
// Axis conventions: `dims` and the Geometry vectors are in the file's own axis order (NIfTI dim[1]
// first, as nibabel's shape). The NdArray holds the voxels in C order, so its shape is `dims`
// reversed: a CT stored as (x, y, z) arrives as array shape (z, y, x); a ReXGroundingCT mask
// (finding, x, y, z) as (z, y, x, finding).
// Physical space is ITK's (DICOM LPS): origin and direction describe where voxel indices lie.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "unict/io/ndarray.h"

namespace unict::io {

struct Geometry {
  std::vector<double> spacing;    // mm per axis
  std::vector<double> origin;     // LPS position (mm) of the first voxel
  std::vector<double> direction;  // n x n, row-major: direction[r * n + c] = LPS component r of axis c

  std::size_t ndim() const { return spacing.size(); }
  static Geometry identity(std::size_t ndim);  // spacing 1, origin 0, identity direction
};

struct NiftiInfo {
  DType dtype = DType::int16;
  std::vector<std::int64_t> dims;  // dim[1..n]
  Geometry geometry;
  double scale_slope = 1.0, scale_intercept = 0.0;  // the header's scl_slope / scl_inter
};

struct Volume {
  NdArray array;      // shape = reversed dims
  Geometry geometry;  // per file axis

  std::vector<std::int64_t> dims() const { return {array.shape.rbegin(), array.shape.rend()}; }
};

// How to treat the header's scl_slope / scl_inter.
enum class NiftiScaling {
  stored,  // voxels as stored on disk, header scaling ignored (CT-RATE v1: metadata CSV scaling)
  apply,   // stored * slope + intercept when the header sets them; float32 then
};

NiftiInfo read_nifti_info(const std::filesystem::path& file);
Volume read_nifti(const std::filesystem::path& file, NiftiScaling scaling = NiftiScaling::apply);

// Whether this build reads NIfTI geometry through ITK (the default) or from the header alone
// (UNICT_WITH_ITK=OFF, nifti_header.h): raw scans are only read with ITK.
bool nifti_geometry_from_itk();

// Writes atomically, with UniCT's own writer in every build (nifti_header.cpp); ".nii.gz" is
// gzip-compressed. Scalars only; 1 to 4 axes; the first three axes' direction must be orthonormal
// (a rotation, possibly with a flip).
void write_nifti(const std::filesystem::path& file, const Volume& volume);

}  // namespace unict::io

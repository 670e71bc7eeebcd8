// NIfTI-1 geometry and writing without ITK, for builds that leave ITK out (UNICT_WITH_ITK=OFF:
// GPU nodes that train and evaluate from a cache). The geometry is the header's qform when its code
// is set, else its sform, else pixdim alone, turned from the header's RAS into ITK's LPS (x and y
// negated), so that it reads as nifti.h's. Written files carry the same transform as qform and
// sform (code 1, scanner), as ITK writes them. Both are checked against nibabel in the tests, and
// the default build keeps ITK's reader and writer (nifti.h).
#pragma once

#include <filesystem>

#include "unict/io/nifti.h"

namespace unict::io {

// The geometry of the first `ndim` axes of a .nii / .nii.gz file's header. Errors name the file.
Geometry nifti_header_geometry(const std::filesystem::path& file, std::size_t ndim);


}  // namespace unict::io

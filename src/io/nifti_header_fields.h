// The fields of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header that reading uses, in either byte
// order, widened to one type each: nifti.cpp reads the stored type, scaling and voxel offset from
// them, nifti_header.cpp the geometry of builds without ITK. Private to io.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace unict::io::detail {

// Enough bytes for either header; a NIfTI-1 file may be shorter than this.
constexpr std::size_t kNiftiHeaderBytes = 540;

struct NiftiHeaderFields {
  int version = 1;              // 1 or 2
  std::size_t header_size = 0;  // 348 or 540
  bool swapped = false;         // written on a machine of the other byte order
  std::vector<std::int64_t> dims;  // dim[1..dim[0]]
  int datatype = 0;
  double vox_offset = 0, scl_slope = 0, scl_inter = 0;
  std::array<double, 8> pixdim{};
  int qform_code = 0, sform_code = 0;
  std::array<double, 3> quatern{}, qoffset{};
  std::array<std::array<double, 4>, 3> srow{};
};

// Parses the first `available` bytes of a file (at most kNiftiHeaderBytes are looked at). Errors
// name `file` and say what is wrong: too short, neither header size in either byte order, a magic
// that is not a single-file volume's, a dimension count outside 1..7.
NiftiHeaderFields parse_nifti_header(const unsigned char* bytes, std::size_t available, const std::string& file);

}  // namespace unict::io::detail

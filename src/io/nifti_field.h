// Reading one field of a NIfTI-1 header, in either byte order: shared by nifti.cpp (the stored
// type, scaling, voxel offset) and nifti_header.cpp (the geometry without ITK). Private to io.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace unict::io::detail {

template <class T> T nifti_field(const unsigned char* header, std::size_t offset, bool swapped) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, header + offset, sizeof(T));
  if (swapped) std::reverse(bytes, bytes + sizeof(T));
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

}  // namespace unict::io::detail

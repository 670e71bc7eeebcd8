// NumPy's .npy and .npz formats (format versions 1.0, 2.0 and 3.0).
// Read: little-endian or byte-order-free dtypes (b1, u1, i1, u2, i2, u4, i4, i8, f4, f8), C or
// Fortran order; the result is always in C order with the header's shape. Write: format 1.0.
// .npz members may be stored or deflate-compressed.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "unict/io/ndarray.h"

namespace unict::io {

struct NpyHeader {
  DType dtype = DType::uint8;
  std::vector<std::int64_t> shape;
  bool fortran_order = false;
  std::size_t data_offset = 0;  // bytes before the array data
};

// `source` names the file (and member) in errors.
NpyHeader parse_npy_header(const std::string& head, const std::string& source);
NdArray parse_npy(const std::string& bytes, const std::string& source);
std::string encode_npy(const NdArray& array, bool fortran_order = false);

NdArray read_npy(const std::filesystem::path& file);
void write_npy(const std::filesystem::path& file, const NdArray& array, bool fortran_order = false);

// Member names as stored ("ct.npy").
std::vector<std::string> npz_members(const std::filesystem::path& file);
// `member` with or without ".npy"; a missing member is an Error that lists the members.
NdArray read_npz_member(const std::filesystem::path& file, const std::string& member);

struct NpzEntry {
  std::string name;  // ".npy" is appended when missing
  const NdArray* array;
  bool fortran_order = false;
};
void write_npz(const std::filesystem::path& file, const std::vector<NpzEntry>& entries, bool compress = true);

}  // namespace unict::io

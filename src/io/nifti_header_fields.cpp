#include "nifti_header_fields.h"

#include <algorithm>
#include <cstring>

#include "unict/core/error.h"

namespace unict::io::detail {
namespace {

template <class T> T raw(const unsigned char* header, std::size_t offset, bool swapped) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, header + offset, sizeof(T));
  if (swapped) std::reverse(bytes, bytes + sizeof(T));
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

// Where each field is and in which type, per version (nifti1.h, nifti2.h).
struct Layout {
  std::size_t dim, datatype, pixdim, vox_offset, scl_slope, scl_inter, qform_code, sform_code, quatern, qoffset, srow, magic;
  bool wide;  // NIfTI-2: int64 dims, doubles, int32 codes
};
constexpr Layout kNifti1{40, 70, 76, 108, 112, 116, 252, 254, 256, 268, 280, 344, false};
constexpr Layout kNifti2{16, 12, 104, 168, 176, 184, 344, 348, 352, 376, 400, 4, true};

}  // namespace

NiftiHeaderFields parse_nifti_header(const unsigned char* h, std::size_t available, const std::string& file) {
  if (available < 348)
    throw Error("not a NIfTI file: shorter than the 348-byte NIfTI-1 header").file(file).value(std::to_string(available) + " bytes");
  NiftiHeaderFields f;
  const auto size_is = [&](std::int32_t size, bool swapped) { return raw<std::int32_t>(h, 0, swapped) == size; };
  if (size_is(348, false) || size_is(348, true)) {
    f.version = 1, f.header_size = 348, f.swapped = !size_is(348, false);
  } else if (size_is(540, false) || size_is(540, true)) {
    f.version = 2, f.header_size = 540, f.swapped = !size_is(540, false);
  } else {
    throw Error("not a NIfTI file (sizeof_hdr is neither 348, NIfTI-1, nor 540, NIfTI-2, in either byte order)").file(file);
  }
  if (available < f.header_size)
    throw Error("not a NIfTI-2 file: shorter than the 540-byte header").file(file).value(std::to_string(available) + " bytes");
  const Layout& at = f.version == 1 ? kNifti1 : kNifti2;
  const bool s = f.swapped;
  if (f.version == 1 ? std::memcmp(h + at.magic, "n+1", 4) != 0 : std::memcmp(h + at.magic, "n+2\0\r\n\032\n", 8) != 0)
    throw Error("not a single-file NIfTI-" + std::to_string(f.version) + " volume (magic is not n+" + std::to_string(f.version) +
                "; .hdr/.img pairs are not supported)")
        .file(file);
  const auto integer = [&](std::size_t offset) { return at.wide ? raw<std::int64_t>(h, offset, s) : raw<std::int16_t>(h, offset, s); };
  const auto real = [&](std::size_t offset) { return at.wide ? raw<double>(h, offset, s) : static_cast<double>(raw<float>(h, offset, s)); };
  const auto code = [&](std::size_t offset) { return at.wide ? raw<std::int32_t>(h, offset, s) : raw<std::int16_t>(h, offset, s); };
  const std::size_t integer_size = at.wide ? 8 : 2, real_size = at.wide ? 8 : 4;

  const auto n = integer(at.dim);
  if (n < 1 || n > 7) throw Error("invalid NIfTI dimension count").file(file).value(std::to_string(n));
  for (std::int64_t a = 1; a <= n; ++a) f.dims.push_back(integer(at.dim + integer_size * static_cast<std::size_t>(a)));
  f.datatype = raw<std::int16_t>(h, at.datatype, s);
  for (std::size_t i = 0; i < 8; ++i) f.pixdim[i] = real(at.pixdim + real_size * i);
  f.vox_offset = at.wide ? static_cast<double>(raw<std::int64_t>(h, at.vox_offset, s)) : real(at.vox_offset);
  f.scl_slope = real(at.scl_slope);
  f.scl_inter = real(at.scl_inter);
  f.qform_code = code(at.qform_code);
  f.sform_code = code(at.sform_code);
  for (std::size_t i = 0; i < 3; ++i) {
    f.quatern[i] = real(at.quatern + real_size * i);
    f.qoffset[i] = real(at.qoffset + real_size * i);
    for (std::size_t c = 0; c < 4; ++c) f.srow[i][c] = real(at.srow + real_size * (4 * i + c));
  }
  return f;
}

}  // namespace unict::io::detail

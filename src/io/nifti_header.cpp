#include "unict/io/nifti_header.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "nifti_header_fields.h"

namespace unict::io {
namespace {

// Offsets of the NIfTI-1 header fields written here (nifti1.h); reading takes both versions
// (nifti_header_fields.h).
constexpr std::size_t kDim = 40, kDatatype = 70, kBitpix = 72, kPixdim = 76, kVoxOffset = 108, kSclSlope = 112, kXyztUnits = 123,
                      kQformCode = 252, kSformCode = 254, kQuatern = 256, kQoffset = 268, kSrow = 280, kMagic = 344;
constexpr std::size_t kHeaderSize = 348, kVoxelStart = 352;  // 348 + the 4-byte extension flag

using Matrix3 = std::array<std::array<double, 3>, 3>;

template <class T> void put(std::string& h, std::size_t offset, T value) { std::memcpy(h.data() + offset, &value, sizeof(T)); }

int datatype_code(DType dtype) {
  switch (dtype) {
    case DType::boolean:
    case DType::uint8: return 2;
    case DType::int8: return 256;
    case DType::uint16: return 512;
    case DType::int16: return 4;
    case DType::uint32: return 768;
    case DType::int32: return 8;
    case DType::int64: return 1024;
    case DType::float32: return 16;
    case DType::float64: return 64;
  }
  return 0;
}

// The rotation of quaternion (b, c, d) with a = sqrt(1 - b^2 - c^2 - d^2) (nifti1.h's qform).
Matrix3 quaternion_rotation(double b, double c, double d) {
  double a = 1.0 - (b * b + c * c + d * d);
  if (a < 1e-7) {  // a rotation by pi: renormalise (b, c, d)
    const double norm = std::sqrt(b * b + c * c + d * d);
    b /= norm, c /= norm, d /= norm;
    a = 0;
  } else {
    a = std::sqrt(a);
  }
  return {{{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
           {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
           {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}}};
}

// (b, c, d) of a proper rotation: nifti1_io's nifti_mat44_to_quatern, the branch on the largest
// diagonal term for accuracy.
std::array<double, 3> rotation_quaternion(const Matrix3& r) {
  double a = r[0][0] + r[1][1] + r[2][2] + 1, b, c, d;
  if (a > 0.5) {
    a = 0.5 * std::sqrt(a);
    b = 0.25 * (r[2][1] - r[1][2]) / a;
    c = 0.25 * (r[0][2] - r[2][0]) / a;
    d = 0.25 * (r[1][0] - r[0][1]) / a;
  } else {
    const double xd = 1 + r[0][0] - (r[1][1] + r[2][2]), yd = 1 + r[1][1] - (r[0][0] + r[2][2]), zd = 1 + r[2][2] - (r[0][0] + r[1][1]);
    if (xd > 1) {
      b = 0.5 * std::sqrt(xd);
      c = 0.25 * (r[0][1] + r[1][0]) / b;
      d = 0.25 * (r[0][2] + r[2][0]) / b;
      a = 0.25 * (r[2][1] - r[1][2]) / b;
    } else if (yd > 1) {
      c = 0.5 * std::sqrt(yd);
      b = 0.25 * (r[0][1] + r[1][0]) / c;
      d = 0.25 * (r[1][2] + r[2][1]) / c;
      a = 0.25 * (r[0][2] - r[2][0]) / c;
    } else {
      d = 0.5 * std::sqrt(zd);
      b = 0.25 * (r[0][2] + r[2][0]) / d;
      c = 0.25 * (r[1][2] + r[2][1]) / d;
      a = 0.25 * (r[1][0] - r[0][1]) / d;
    }
    if (a < 0) b = -b, c = -c, d = -d;
  }
  return {b, c, d};
}

detail::NiftiHeaderFields read_header(const std::filesystem::path& file) {
  std::unique_ptr<gzFile_s, int (*)(gzFile_s*)> in(gzopen(file.c_str(), "rb"), gzclose);
  if (!in) throw Error("cannot open: " + system_reason(errno)).file(file.string());
  unsigned char h[detail::kNiftiHeaderBytes];
  const int got = gzread(in.get(), h, sizeof h);  // a small NIfTI-1 file may hold fewer bytes
  return detail::parse_nifti_header(h, static_cast<std::size_t>(std::max(got, 0)), file.string());
}

}  // namespace

Geometry nifti_header_geometry(const std::filesystem::path& file, std::size_t ndim) {
  const detail::NiftiHeaderFields h = read_header(file);
  Geometry g = Geometry::identity(ndim);
  for (std::size_t a = 0; a < ndim; ++a) g.spacing[a] = a < 7 ? h.pixdim[a + 1] : 1.0;
  for (auto& s : g.spacing) s = s > 0 ? s : 1.0;
  const std::size_t spatial = std::min<std::size_t>(ndim, 3);
  // The header's RAS transform: rotation-and-scale columns per axis, and the first voxel's place.
  Matrix3 axes{};
  std::array<double, 3> offset{};
  if (h.qform_code > 0) {
    const Matrix3 r = quaternion_rotation(h.quatern[0], h.quatern[1], h.quatern[2]);
    const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;
    for (std::size_t row = 0; row < 3; ++row)
      for (std::size_t col = 0; col < 3; ++col) axes[row][col] = r[row][col] * (col == 2 ? qfac : 1.0);
    for (std::size_t row = 0; row < 3; ++row) offset[row] = h.qoffset[row];
  } else if (h.sform_code > 0) {
    for (std::size_t row = 0; row < 3; ++row) {
      for (std::size_t col = 0; col < 3; ++col) axes[row][col] = h.srow[row][col];
      offset[row] = h.srow[row][3];
    }
    for (std::size_t col = 0; col < 3; ++col) {  // spacing from the columns' lengths, direction their unit vectors
      const double length = std::sqrt(axes[0][col] * axes[0][col] + axes[1][col] * axes[1][col] + axes[2][col] * axes[2][col]);
      if (length <= 0) throw Error("a NIfTI sform with a zero axis").file(file.string());
      if (col < ndim) g.spacing[col] = length;
      for (std::size_t row = 0; row < 3; ++row) axes[row][col] /= length;
    }
  } else {
    return g;  // no transform: pixdim alone, origin 0, identity direction (as ITK reads Analyze-like files)
  }
  for (std::size_t a = 0; a < spatial; ++a) {
    const double sign = a < 2 ? -1.0 : 1.0;  // RAS -> LPS
    g.origin[a] = sign * offset[a];
    for (std::size_t c = 0; c < spatial; ++c) g.direction[a * ndim + c] = sign * axes[a][c];
  }
  return g;
}

// Every build writes NIfTI files with this writer (ITK only reads): the bytes go through the one
// atomic path, whose errors (a full disk) name the file; ITK's writer does not report them all.
void write_nifti(const std::filesystem::path& file, const Volume& volume) {
  const std::string name = file.string();
  const std::size_t n = volume.array.ndim();
  if (n < 1 || n > 4) throw internal_error("NIfTI volumes have 1 to 4 axes").file(name).value(std::to_string(n));
  const Geometry& g = volume.geometry;
  if (g.ndim() != n || g.origin.size() != n || g.direction.size() != n * n)
    throw internal_error("volume geometry does not match its number of axes").file(name);
  const auto dims = volume.dims();
  std::string h(kVoxelStart, '\0');
  put<std::int32_t>(h, 0, 348);
  put<std::int16_t>(h, kDim, static_cast<std::int16_t>(n));
  for (std::size_t a = 0; a < 7; ++a) put<std::int16_t>(h, kDim + 2 * (a + 1), static_cast<std::int16_t>(a < n ? dims[a] : 1));
  put<std::int16_t>(h, kDatatype, static_cast<std::int16_t>(datatype_code(volume.array.dtype)));
  put<std::int16_t>(h, kBitpix, static_cast<std::int16_t>(8 * dtype_size(volume.array.dtype)));
  put<float>(h, kVoxOffset, static_cast<float>(kVoxelStart));
  put<float>(h, kSclSlope, 1.0f);
  h[kXyztUnits] = 2 | 8;  // mm, s

  // The LPS geometry of the first three axes as a RAS rotation: proper (det +1) with qfac
  // carrying a flip of the third axis, as the qform stores it.
  Matrix3 r{};
  std::array<double, 3> origin{}, spacing{1, 1, 1};
  for (std::size_t a = 0; a < 3; ++a) {
    const double sign = a < 2 ? -1.0 : 1.0;
    origin[a] = a < n ? sign * g.origin[a] : 0.0;
    if (a < n) spacing[a] = g.spacing[a];
    for (std::size_t c = 0; c < 3; ++c) r[a][c] = a < n && c < n ? sign * g.direction[a * n + c] : (a == c ? sign : 0.0);
  }
  const double det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
                     r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  if (std::abs(std::abs(det) - 1) > 1e-3) throw internal_error("a NIfTI direction that is not a rotation").file(name);
  const double qfac = det < 0 ? -1.0 : 1.0;
  Matrix3 proper = r;
  for (std::size_t a = 0; a < 3; ++a) proper[a][2] *= qfac;
  const auto q = rotation_quaternion(proper);
  put<float>(h, kPixdim, static_cast<float>(qfac));
  for (std::size_t a = 0; a < 7; ++a) put<float>(h, kPixdim + 4 * (a + 1), static_cast<float>(a < n ? g.spacing[a] : 1.0));
  put<std::int16_t>(h, kQformCode, 1);
  put<std::int16_t>(h, kSformCode, 1);
  for (std::size_t i = 0; i < 3; ++i) {
    put<float>(h, kQuatern + 4 * i, static_cast<float>(q[i]));
    put<float>(h, kQoffset + 4 * i, static_cast<float>(origin[i]));
    for (std::size_t c = 0; c < 3; ++c) put<float>(h, kSrow + 16 * i + 4 * c, static_cast<float>(r[i][c] * spacing[c]));
    put<float>(h, kSrow + 16 * i + 12, static_cast<float>(origin[i]));
  }
  std::memcpy(h.data() + kMagic, "n+1\0", 4);

  std::string plain = h;
  plain.append(reinterpret_cast<const char*>(volume.array.bytes.data()), volume.array.bytes.size());
  if (file.extension() != ".gz") {  // a plain .nii
    core::write_file_atomic(file, plain);
    return;
  }
  std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> compressor(libdeflate_alloc_compressor(6), libdeflate_free_compressor);
  std::string packed(libdeflate_gzip_compress_bound(compressor.get(), plain.size()), '\0');
  const std::size_t size = libdeflate_gzip_compress(compressor.get(), plain.data(), plain.size(), packed.data(), packed.size());
  if (size == 0) throw internal_error("gzip compression failed").file(name);
  packed.resize(size);
  core::write_file_atomic(file, packed);
}

}  // namespace unict::io

#include "unict/io/nifti.h"

#if !defined(UNICT_NO_ITK)
#include <itkNiftiImageIO.h>
#endif
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "nifti_header_fields.h"
#include "unict/io/nifti_header.h"

namespace unict::io {
namespace {



// NIfTI datatype codes (nifti1.h; NIfTI-2 keeps them) that we read.
DType dtype_of_code(int code, const std::string& file) {
  switch (code) {
    case 2: return DType::uint8;
    case 256: return DType::int8;
    case 512: return DType::uint16;
    case 4: return DType::int16;
    case 768: return DType::uint32;
    case 8: return DType::int32;
    case 1024: return DType::int64;
    case 16: return DType::float32;
    case 64: return DType::float64;
    default:
      throw Error("unsupported NIfTI voxel type").file(file).value("datatype " + std::to_string(code))
          .expected("uint8, int8, uint16, int16, uint32, int32, int64, float32 or float64");
  }
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// The header fields that ITK does not hand back faithfully: the stored voxel type (ITK promotes
// scaled files to float), the scaling and where the voxels start.
using RawHeader = detail::NiftiHeaderFields;

RawHeader parse_raw_header(const unsigned char* h, std::size_t available, const std::string& file) {
  return detail::parse_nifti_header(h, available, file);
}

RawHeader read_raw_header(gzFile_s* in, const std::string& file) {
  unsigned char h[detail::kNiftiHeaderBytes];
  const int got = gzread(in, h, sizeof h);  // a small NIfTI-1 file may hold fewer bytes
  return parse_raw_header(h, static_cast<std::size_t>(std::max(got, 0)), file);
}

constexpr std::size_t kMaxDeflateRatio = 1032;

// vox_offset is a float in a NIfTI-1 header: a damaged one may be NaN or beyond every integer
// type, and converting it then is undefined (found by fuzzing). Checked before any conversion.
bool valid_voxel_offset(const RawHeader& raw, double limit) {
  return std::isfinite(raw.vox_offset) && raw.vox_offset >= static_cast<double>(raw.header_size) && raw.vox_offset <= limit;
}

// The bytes of voxel data the header's dims and datatype describe.
std::size_t voxel_bytes(const NiftiInfo& info) {
  return element_count(std::vector<std::int64_t>(info.dims.rbegin(), info.dims.rend())) * dtype_size(info.dtype);
}

// The whole decompressed file of a single-member .nii.gz, through libdeflate (about twice as
// fast as zlib; it checks the CRC and the length). Empty when the file is not such a gzip file
// (plain .nii, several members, over 4 GiB): the caller then streams it with zlib.
core::BigVector<std::uint8_t> inflate_whole(const std::filesystem::path& file) {
  core::BigVector<std::uint8_t> out;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size < 18) return out;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!f) return out;
  core::BigVector<std::uint8_t> compressed(static_cast<std::size_t>(size));
  if (std::fread(compressed.data(), 1, compressed.size(), f.get()) != compressed.size()) return out;
  if (compressed[0] != 0x1f || compressed[1] != 0x8b) return out;  // not gzip
  // ISIZE, the uncompressed size modulo 2^32, ends the gzip stream.
  const std::size_t n = compressed.size();
  const std::uint32_t isize = static_cast<std::uint32_t>(compressed[n - 4]) | static_cast<std::uint32_t>(compressed[n - 3]) << 8 |
                              static_cast<std::uint32_t>(compressed[n - 2]) << 16 | static_cast<std::uint32_t>(compressed[n - 1]) << 24;
  // Deflate expands at most 1032-fold: a larger ISIZE is damage, and allocating it would let a
  // few damaged bytes ask for 4 GiB (found by fuzzing). zlib then reports the damage.
  if (isize < 348 || isize > n * kMaxDeflateRatio + 1024) return out;  // 348: the smallest header
  out.resize(isize);
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  std::size_t used = 0, produced = 0;
  const auto result = libdeflate_gzip_decompress_ex(d.get(), compressed.data(), n, out.data(), out.size(), &used, &produced);
  if (result != LIBDEFLATE_SUCCESS || used != n || produced != isize) {
    out.clear();  // corrupt, truncated or several members: zlib will say which
  }
  return out;
}

void swap_bytes(NdArray& array) {
  const std::size_t item = dtype_size(array.dtype);
  if (item == 1) return;
  for (std::size_t i = 0; i < array.bytes.size(); i += item) std::reverse(array.bytes.begin() + static_cast<std::ptrdiff_t>(i), array.bytes.begin() + static_cast<std::ptrdiff_t>(i + item));
}

void check_readable(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw Error("cannot open: no such file").file(file.string());
  if (std::filesystem::file_size(file, ec) == 0) throw Error("empty file; expected a NIfTI volume").file(file.string());
}

GzFile open_gz(const std::filesystem::path& file) {
  GzFile in(gzopen(file.c_str(), "rb"));  // reads gzip and plain files alike
  if (!in) throw Error("cannot open: " + system_reason(errno)).file(file.string());
  gzbuffer(in.get(), 1 << 18);
  return in;
}

#if defined(UNICT_NO_ITK)
// A build without ITK (UNICT_WITH_ITK=OFF) reads the geometry from the header itself.
Geometry geometry_of(const std::filesystem::path& file, std::size_t ndim) { return nifti_header_geometry(file, ndim); }
#else
// ITK's NIfTI reader uses the global state of the nifti C library (its debug level, option
// strings): two threads inside it at once corrupt the heap (seen as a crash of `unict
// prepare`, found with valgrind --tool=drd). Every use of ITK here holds this lock; the voxels,
// the expensive part, are read without it.
std::mutex& itk_nifti_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Geometry through ITK, which turns the qform / sform into LPS space as the rest of the field does.
Geometry geometry_of(const std::filesystem::path& file, std::size_t ndim) {
  const std::string name = file.string();
  const std::lock_guard<std::mutex> lock(itk_nifti_mutex());
  auto io = itk::NiftiImageIO::New();
  io->SetFileName(name);
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw Error(std::string("cannot read the NIfTI header: ") + e.GetDescription()).file(name);
  }
  if (io->GetNumberOfComponents() != 1)
    throw Error("NIfTI voxels have several components").file(name).value(std::to_string(io->GetNumberOfComponents())).expected("scalar voxels");
  const std::size_t n = std::min<std::size_t>(ndim, io->GetNumberOfDimensions());
  Geometry g = Geometry::identity(ndim);
  for (std::size_t a = 0; a < n; ++a) {
    g.spacing[a] = io->GetSpacing(static_cast<unsigned>(a));
    g.origin[a] = io->GetOrigin(static_cast<unsigned>(a));
    const auto axis = io->GetDirection(static_cast<unsigned>(a));
    for (std::size_t r = 0; r < ndim; ++r) g.direction[r * ndim + a] = r < axis.size() ? axis[r] : (r == a ? 1.0 : 0.0);
  }
  return g;
}

#endif

NiftiInfo info_from(const RawHeader& raw, const std::filesystem::path& file) {
  NiftiInfo info;
  info.dtype = dtype_of_code(raw.datatype, file.string());
  info.dims = raw.dims;
  for (auto d : info.dims)
    if (d < 1) throw Error("invalid NIfTI dimension").file(file.string()).value(std::to_string(d)).expected("every dim[1..n] >= 1");
  info.scale_slope = raw.scl_slope;
  info.scale_intercept = raw.scl_inter;
  // Debian 12's ITK (5.2) does not read NIfTI-2 ("not recognized as a NIFTI file"): those files
  // get their geometry from the header reader of ITK-free builds, checked against nibabel.
  info.geometry = raw.version == 2 ? nifti_header_geometry(file, info.dims.size()) : geometry_of(file, info.dims.size());
  return info;
}

bool is_identity_scaling(double slope, double intercept) {
  // NIfTI: scl_slope 0 (or not finite) means "no scaling".
  return slope == 0.0 || !std::isfinite(slope) || (slope == 1.0 && intercept == 0.0);
}

// Byte order and header scaling, common to both ways of reading the voxels.
Volume finish_read(Volume volume, const RawHeader& raw, const NiftiInfo& info, NiftiScaling scaling) {
  if (raw.swapped) swap_bytes(volume.array);
  if (scaling == NiftiScaling::apply && !is_identity_scaling(info.scale_slope, info.scale_intercept)) {
    NdArray scaled = NdArray::uninitialized(DType::float32, volume.array.shape);
    float* out = scaled.data<float>();
    visit_elements(volume.array, [&](const auto* v, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(static_cast<double>(v[i]) * info.scale_slope + info.scale_intercept);
      return 0;
    });
    volume.array = std::move(scaled);
  }
  return volume;
}

}  // namespace

Geometry Geometry::identity(std::size_t ndim) {
  Geometry g;
  g.spacing.assign(ndim, 1.0);
  g.origin.assign(ndim, 0.0);
  g.direction.assign(ndim * ndim, 0.0);
  for (std::size_t a = 0; a < ndim; ++a) g.direction[a * ndim + a] = 1.0;
  return g;
}

NiftiInfo read_nifti_info(const std::filesystem::path& file) {
  check_readable(file);
  GzFile in = open_gz(file);
  return info_from(read_raw_header(in.get(), file.string()), file);
}

Volume read_nifti(const std::filesystem::path& file, NiftiScaling scaling) {
  const std::string name = file.string();
  check_readable(file);
  Volume volume;
  NiftiInfo info;
  RawHeader raw;
  const core::BigVector<std::uint8_t> whole = inflate_whole(file);
  if (!whole.empty()) {
    raw = parse_raw_header(whole.data(), whole.size(), name);
    info = info_from(raw, file);
    volume.geometry = info.geometry;
    // Checked before the voxels are allocated: a damaged header must not ask for gigabytes.
    const std::size_t total = voxel_bytes(info);
    if (!valid_voxel_offset(raw, static_cast<double>(whole.size())))
      throw Error("invalid NIfTI voxel offset").file(name).value(std::to_string(raw.vox_offset));
    const auto offset = static_cast<std::size_t>(raw.vox_offset);
    if (whole.size() - offset < total)
      throw Error("truncated or corrupt NIfTI voxel data").file(name).expected(std::to_string(total) + " voxel bytes, found " + std::to_string(whole.size() - offset));
    volume.array = NdArray::uninitialized(info.dtype, std::vector<std::int64_t>(info.dims.rbegin(), info.dims.rend()));
    std::memcpy(volume.array.bytes.data(), whole.data() + offset, total);
    return finish_read(std::move(volume), raw, info, scaling);
  }
  GzFile in = open_gz(file);
  raw = read_raw_header(in.get(), name);
  info = info_from(raw, file);
  volume.geometry = info.geometry;
  // No file of this size can hold more (deflate expands at most 1032-fold; a plain file holds
  // itself): refused before the voxels are allocated.
  std::error_code ec;
  const std::size_t on_disk = static_cast<std::size_t>(std::filesystem::file_size(file, ec));
  if (!ec && voxel_bytes(info) > on_disk * kMaxDeflateRatio + (1 << 20))
    throw Error("truncated or corrupt NIfTI voxel data").file(name).expected(std::to_string(voxel_bytes(info)) + " voxel bytes, more than a file of " +
                                                                              std::to_string(on_disk) + " bytes can hold");
  volume.array = NdArray::uninitialized(info.dtype, std::vector<std::int64_t>(info.dims.rbegin(), info.dims.rend()));
  if (!valid_voxel_offset(raw, std::min(static_cast<double>(on_disk) * kMaxDeflateRatio + 1e6, 1e15)) ||
      gzseek(in.get(), static_cast<z_off_t>(raw.vox_offset), SEEK_SET) < 0)
    throw Error("invalid NIfTI voxel offset").file(name).value(std::to_string(raw.vox_offset));
  // Read the voxels in pieces (gzread takes an unsigned int) and insist on every byte.
  std::size_t done = 0;
  const std::size_t total = volume.array.bytes.size();
  while (done < total) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(total - done, 1u << 30));
    const int got = gzread(in.get(), volume.array.bytes.data() + done, chunk);
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
  }
  int error_code = Z_OK;
  const char* zlib_message = gzerror(in.get(), &error_code);
  if (done != total) {
    throw Error("truncated or corrupt NIfTI voxel data" + (error_code != Z_OK ? std::string(" (") + zlib_message + ")" : std::string()))
        .file(name).expected(std::to_string(total) + " voxel bytes, found " + std::to_string(done));
  }
  // Drain the stream so that gzip's checksum at the end is verified.
  char rest[4096];
  while (gzread(in.get(), rest, sizeof rest) > 0) {
  }
  zlib_message = gzerror(in.get(), &error_code);
  if (error_code != Z_OK && error_code != Z_STREAM_END) throw Error(std::string("corrupt compressed NIfTI file: ") + zlib_message).file(name);
  return finish_read(std::move(volume), raw, info, scaling);
}

bool nifti_geometry_from_itk() {
#if defined(UNICT_NO_ITK)
  return false;
#else
  return true;
#endif
}

}  // namespace unict::io

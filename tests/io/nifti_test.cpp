#include "unict/io/nifti.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/io/json.h"
#include "unict/io/nifti_header.h"

namespace unict::io {
namespace {

class NiftiReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::run_python("io/reference/make_nifti.py", dir_->path().string()), 0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::filesystem::path file(const std::string& name) { return *dir_ / name; }
  static test::TempDir* dir_;
};
test::TempDir* NiftiReference::dir_ = nullptr;

void expect_near(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << what << "[" << i << "]";
}

TEST_F(NiftiReference, ReadsVoxelsAndGeometryAsNibabelDescribesThem) {
  for (const std::string name : {"ct_int16", "vol_float32", "vol_uint8", "mask_4d"}) {
    const auto expected = read_json(file(name + ".json"));
    const Volume v = read_nifti(file(name + ".nii.gz"));
    EXPECT_EQ(dtype_name(v.array.dtype), expected["dtype"].get<std::string>()) << name;
    EXPECT_EQ(v.dims(), expected["dims"].get<std::vector<std::int64_t>>()) << name;
    EXPECT_EQ(std::string(v.array.bytes.begin(), v.array.bytes.end()), test::slurp(file(name + ".raw"))) << name;
    if (v.array.ndim() == 3) {  // a 4-D mask's header geometry is meaningless (identity)
      expect_near(v.geometry.spacing, expected["spacing"].get<std::vector<double>>(), 1e-5, name + " spacing");
      expect_near(v.geometry.origin, expected["origin"].get<std::vector<double>>(), 1e-4, name + " origin");
      expect_near(v.geometry.direction, expected["direction"].get<std::vector<double>>(), 1e-5, name + " direction");
    }
    const NiftiInfo info = read_nifti_info(file(name + ".nii.gz"));
    EXPECT_EQ(info.dims, v.dims());
    EXPECT_EQ(info.dtype, v.array.dtype);
  }
}

TEST_F(NiftiReference, HeaderScalingIsAppliedOrIgnoredOnRequest) {
  const std::string raw = test::slurp(file("scaled.raw"));
  const Volume stored = read_nifti(file("scaled.nii.gz"), NiftiScaling::stored);
  EXPECT_EQ(stored.array.dtype, DType::int16);
  EXPECT_EQ(std::string(stored.array.bytes.begin(), stored.array.bytes.end()), raw);
  const Volume scaled = read_nifti(file("scaled.nii.gz"), NiftiScaling::apply);
  ASSERT_EQ(scaled.array.dtype, DType::float32);
  for (std::size_t i = 0; i < scaled.array.size(); ++i) EXPECT_EQ(scaled.array.value_at(i), stored.array.value_at(i) * 2.0 - 1024.0);
  const NiftiInfo info = read_nifti_info(file("scaled.nii.gz"));
  EXPECT_EQ(info.scale_slope, 2.0);
  EXPECT_EQ(info.scale_intercept, -1024.0);
}

TEST_F(NiftiReference, NibabelReadsWhatWeWrite) {
  for (const std::string name : {"ct_int16", "vol_float32", "vol_uint8", "mask_4d"}) {
    const Volume v = read_nifti(file(name + ".nii.gz"));
    const auto ours = file("ours_" + name + ".nii.gz");
    write_nifti(ours, v);
    EXPECT_EQ(test::run_python("io/reference/check_nifti.py", ours.string() + " " + file(name + ".nii.gz").string()), 0) << name;
    const Volume again = read_nifti(ours);
    EXPECT_EQ(again.array.bytes, v.array.bytes);
    expect_near(again.geometry.direction, v.geometry.direction, 1e-6, name);
  }
}

// The ITK-free path of builds with UNICT_WITH_ITK=OFF (nifti_header.h), checked here, in the
// default build, against nibabel and against ITK.
TEST_F(NiftiReference, HeaderGeometryWithoutItkIsNibabelsAndItks) {
  for (const std::string name : {"ct_int16", "vol_float32", "vol_uint8"}) {
    const auto expected = read_json(file(name + ".json"));
    const Geometry g = nifti_header_geometry(file(name + ".nii.gz"), 3);
    expect_near(g.spacing, expected["spacing"].get<std::vector<double>>(), 1e-5, name + " spacing");
    expect_near(g.origin, expected["origin"].get<std::vector<double>>(), 1e-4, name + " origin");
    expect_near(g.direction, expected["direction"].get<std::vector<double>>(), 1e-5, name + " direction");
  }
  const Geometry itk = read_nifti(file("mask_4d.nii.gz")).geometry, header = nifti_header_geometry(file("mask_4d.nii.gz"), 4);
  expect_near(header.spacing, itk.spacing, 1e-6, "mask_4d spacing");
  expect_near(header.origin, itk.origin, 1e-6, "mask_4d origin");
  expect_near(header.direction, itk.direction, 1e-6, "mask_4d direction");
}

TEST_F(NiftiReference, NibabelAndItkReadWhatWeWrite) {
  for (const std::string name : {"ct_int16", "vol_float32", "vol_uint8", "mask_4d"}) {
    const Volume v = read_nifti(file(name + ".nii.gz"));
    const auto ours = file("plain_" + name + ".nii.gz");
    write_nifti(ours, v);
    EXPECT_EQ(test::run_python("io/reference/check_nifti.py", ours.string() + " " + file(name + ".nii.gz").string()), 0) << name;
    const Volume again = read_nifti(ours);  // through ITK
    EXPECT_EQ(again.array.bytes, v.array.bytes) << name;
    EXPECT_EQ(again.array.dtype, v.array.dtype) << name;
    expect_near(again.geometry.spacing, v.geometry.spacing, 1e-5, name + " spacing");
    expect_near(again.geometry.origin, v.geometry.origin, 1e-4, name + " origin");
    expect_near(again.geometry.direction, v.geometry.direction, 1e-6, name + " direction");
  }
}

// The first three axes of a geometry (a 4-D file's fourth axis is time or findings).
Geometry spatial_part(const Geometry& g) {
  const std::size_t n = g.ndim();
  Geometry out = Geometry::identity(3);
  for (std::size_t a = 0; a < 3 && a < n; ++a) {
    out.spacing[a] = g.spacing[a];
    out.origin[a] = g.origin[a];
    for (std::size_t c = 0; c < 3 && c < n; ++c) out.direction[a * 3 + c] = g.direction[a * n + c];
  }
  return out;
}

// NIfTI-2 (540-byte header, 64-bit dims, double fields) in both byte orders, one of them nibabel's
// own test file with header extensions before the voxels: voxels and geometry as nibabel reads
// them, through the default reader and through the header path of builds without ITK.
TEST_F(NiftiReference, ReadsNifti2InBothByteOrdersAsNibabelDoes) {
  for (const std::string name : {"example_nifti2", "nifti2_little", "nifti2_big"}) {
    const auto expected = read_json(file(name + ".json"));
    const Volume v = read_nifti(file(name + ".nii.gz"));
    EXPECT_EQ(dtype_name(v.array.dtype), expected["dtype"].get<std::string>()) << name;
    EXPECT_EQ(v.dims(), expected["dims"].get<std::vector<std::int64_t>>()) << name;
    EXPECT_EQ(std::string(v.array.bytes.begin(), v.array.bytes.end()), test::slurp(file(name + ".raw"))) << name;
    EXPECT_EQ(read_nifti_info(file(name + ".nii.gz")).dims, v.dims()) << name;
    for (const auto& [how, g] : {std::pair{"read_nifti", spatial_part(v.geometry)}, std::pair{"header", nifti_header_geometry(file(name + ".nii.gz"), 3)}}) {
      expect_near(g.spacing, expected["spacing"].get<std::vector<double>>(), 1e-5, name + " " + how + " spacing");
      expect_near(g.origin, expected["origin"].get<std::vector<double>>(), 1e-4, name + " " + how + " origin");
      expect_near(g.direction, expected["direction"].get<std::vector<double>>(), 1e-5, name + " " + how + " direction");
    }
  }
}

std::string error_of(const std::filesystem::path& path) {
  try {
    read_nifti(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}


TEST_F(NiftiReference, BadFilesAreClearErrorsNamingTheFile) {
  test::TempDir dir;
  EXPECT_CONTAINS(error_of(dir.write("zero.nii.gz", "")), "zero.nii.gz: empty file");
  EXPECT_CONTAINS(error_of(dir.write("text.nii.gz", "this is not a NIfTI file at all, just some text\n")), "text.nii.gz: not a NIfTI file: shorter than the 348-byte NIfTI-1 header");
  EXPECT_CONTAINS(error_of(dir.write("long.nii.gz", std::string(2000, 'x'))), "long.nii.gz: not a NIfTI file (sizeof_hdr is neither 348, NIfTI-1, nor 540, NIfTI-2, in either byte order)");
  EXPECT_CONTAINS(error_of(dir / "missing.nii.gz"), "missing.nii.gz: cannot open");
  std::string short_nifti2(400, '\0');
  short_nifti2[0] = 0x1c, short_nifti2[1] = 0x02;  // sizeof_hdr 540, little-endian
  EXPECT_CONTAINS(error_of(dir.write("short2.nii", short_nifti2)), "short2.nii: not a NIfTI-2 file: shorter than the 540-byte header");
  // A download cut short: the gzip stream stops in the middle of the voxels.
  const std::string whole = test::slurp(file("ct_int16.nii.gz"));
  const auto cut = dir.write("truncated.nii.gz", whole.substr(0, whole.size() * 2 / 3));
  EXPECT_CONTAINS(error_of(cut), "truncated.nii.gz: truncated or corrupt NIfTI voxel data");
  // Voxel data shorter than the header promises, in an uncompressed file.
  const Volume v = read_nifti(file("ct_int16.nii.gz"));
  write_nifti(dir / "whole.nii", v);
  const std::string plain = test::slurp(dir / "whole.nii");
  EXPECT_CONTAINS(error_of(dir.write("short.nii", plain.substr(0, plain.size() - 100))),
                  "short.nii: truncated or corrupt NIfTI voxel data; expected 1008 voxel bytes, found 908");
  // Flipped bits inside the compressed voxels: zlib's checks catch them.
  std::string corrupt = whole;
  for (std::size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 40; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x33);
  EXPECT_CONTAINS(error_of(dir.write("corrupt.nii.gz", corrupt)), "corrupt.nii.gz: ");
}

}  // namespace
}  // namespace unict::io

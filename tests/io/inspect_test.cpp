#include "unict/io/inspect.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/core/error.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"
#include "unict/io/npy.h"

namespace unict::io {
namespace {

void expect_matches_reference(const std::filesystem::path& file, const test::TempDir& dir) {
  const auto reference_file = dir / "reference.json";
  ASSERT_EQ(test::run_python("io/reference/inspect_reference.py", file.string() + " " + reference_file.string()), 0);
  const auto expected = read_json(reference_file);
  const auto actual = inspect_file(file);
  EXPECT_EQ(actual["dtype"], expected["dtype"]) << file;
  EXPECT_EQ(actual["shape"], expected["shape"]) << file;
  for (const char* key : {"min", "max", "mean", "sum"})
    EXPECT_NEAR(actual[key].get<double>(), expected[key].get<double>(), 1e-9 * std::max(1.0, std::fabs(expected[key].get<double>()))) << key;
  if (expected.contains("nonzero_per_first_axis_index")) {
    EXPECT_EQ(actual["nonzero_per_first_axis_index"], expected["nonzero_per_first_axis_index"]);
  }
}

TEST(Inspect, AgreesWithNibabelAndNumpy) {
  test::TempDir dir;
  ASSERT_EQ(test::run_python("io/reference/make_nifti.py", dir.path().string()), 0);
  ASSERT_EQ(test::run_python("io/reference/make_npy.py", dir.path().string()), 0);
  for (const std::string name : {"ct_int16.nii.gz", "vol_float32.nii.gz", "mask_4d.nii.gz", "scaled.nii.gz", "a_i2_F_3x4x5.npy", "deflate.npz"})
    expect_matches_reference(dir / name, dir);
  const auto ct = inspect_file(dir / "ct_int16.nii.gz");
  EXPECT_EQ(ct["spacing"].size(), 3u);
  EXPECT_EQ(ct["direction"].size(), 9u);
  EXPECT_TRUE(inspect_file(dir / "scaled.nii.gz").contains("scaling"));
}

TEST(Inspect, UnknownTypesAndAmbiguousArchivesAreErrors) {
  test::TempDir dir;
  EXPECT_THROW(inspect_file(dir.write("labels.csv", "a,b\n")), Error);
  NdArray a(DType::uint8, {2}), b(DType::uint8, {3});
  write_npz(dir / "two.npz", {{"a", &a, false}, {"b", &b, false}});
  EXPECT_THROW(inspect_file(dir / "two.npz"), Error);
  EXPECT_EQ(inspect_file(dir / "two.npz", "b")["shape"], nlohmann::json({3}));
}

}  // namespace
}  // namespace unict::io

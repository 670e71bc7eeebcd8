// nifti.h as a build with UNICT_WITH_ITK=OFF compiles it (this executable builds src/io/nifti.cpp
// with UNICT_NO_ITK and links no ITK): reading and writing against nibabel, and the refusal of raw
// scans (data::load_ct asks nifti_geometry_from_itk()).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"

namespace unict::io {
namespace {

class NiftiWithoutItk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::run_python("io/reference/make_nifti.py", dir_->path().string()), 0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::filesystem::path file(const std::string& name) { return *dir_ / name; }
  static test::TempDir* dir_;
};
test::TempDir* NiftiWithoutItk::dir_ = nullptr;

void expect_near(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << what << "[" << i << "]";
}

TEST_F(NiftiWithoutItk, ReadsAndWritesAsNibabelDoes) {
  EXPECT_FALSE(nifti_geometry_from_itk());
  for (const std::string name : {"ct_int16", "vol_float32", "vol_uint8", "mask_4d"}) {
    const auto expected = read_json(file(name + ".json"));
    const Volume v = read_nifti(file(name + ".nii.gz"));
    EXPECT_EQ(std::string(v.array.bytes.begin(), v.array.bytes.end()), test::slurp(file(name + ".raw"))) << name;
    if (v.array.ndim() == 3) {
      expect_near(v.geometry.spacing, expected["spacing"].get<std::vector<double>>(), 1e-5, name + " spacing");
      expect_near(v.geometry.origin, expected["origin"].get<std::vector<double>>(), 1e-4, name + " origin");
      expect_near(v.geometry.direction, expected["direction"].get<std::vector<double>>(), 1e-5, name + " direction");
    }
    const auto ours = file("ours_" + name + ".nii.gz");
    write_nifti(ours, v);
    EXPECT_EQ(test::run_python("io/reference/check_nifti.py", ours.string() + " " + file(name + ".nii.gz").string()), 0) << name;
    const Volume again = read_nifti(ours);
    EXPECT_EQ(again.array.bytes, v.array.bytes) << name;
    expect_near(again.geometry.direction, v.geometry.direction, 1e-6, name);
  }
}

}  // namespace
}  // namespace unict::io

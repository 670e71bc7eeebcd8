#include "unict/data/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "test_support.h"
#include "unict/core/error.h"
#include "unict/data/synthetic_case.h"
#include "unict/io/nifti.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;

CaseSpec small_case(std::vector<std::string> codes, std::uint64_t seed) {
  CaseSpec spec;
  spec.size_zyx = {40, 64, 64};
  spec.spacing_zyx = {7.5, 5.5, 5.5};
  spec.lesion_codes = std::move(codes);
  spec.seed = seed;
  return spec;
}

// The label must be visible: the voxels a lesion's mask covers look different with the lesion
// than the same voxels of the same patient without it, in the direction the lesion's kind says.
TEST(SyntheticCase, EachLesionKindChangesTheAttenuationUnderItsMask) {
  // Expected mean change (lesion minus healthy) in HU: dense lesions are positive, emphysema negative.
  const std::map<std::string, std::pair<double, double>> expected = {
      {"1a", {300, 1200}}, {"1c", {-250, -60}}, {"1d", {150, 800}}, {"1e", {300, 1200}}, {"2a", {300, 1200}},
      {"2b", {400, 1200}}, {"2c", {150, 500}},  {"2d", {400, 1200}}, {"2e", {400, 1200}}};
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const SyntheticCase healthy = make_synthetic_case(small_case({}, seed));
    for (const auto& code : synthetic_lesion_codes()) {
      const SyntheticCase sick = make_synthetic_case(small_case({code}, seed));
      ASSERT_EQ(sick.findings.size(), 1u);
      const auto& mask = sick.findings[0].mask;
      double change = 0;
      std::size_t n = 0;
      for (std::size_t i = 0; i < mask.size(); ++i) {
        if (!mask[i]) continue;
        change += sick.hu[i] - healthy.hu[i];
        ++n;
      }
      ASSERT_GT(n, 0u) << code << " seed " << seed << ": empty mask";
      change /= static_cast<double>(n);
      if (code == "1b") {  // dilated airways: dark lumen in a bright wall, large changes either way
        EXPECT_GT(std::fabs(change), 80) << code << " seed " << seed;
        continue;
      }
      EXPECT_GE(change, expected.at(code).first) << code << " seed " << seed;
      EXPECT_LE(change, expected.at(code).second) << code << " seed " << seed;
    }
  }
}

TEST(SyntheticCase, EveryFindingHasVoxelsEvenOnACoarseGrid) {
  for (std::uint64_t seed = 10; seed < 20; ++seed) {
    CaseSpec spec = small_case(synthetic_lesion_codes(), seed);
    spec.size_zyx = {24, 32, 32};
    spec.spacing_zyx = {13, 11, 11};
    const SyntheticCase c = make_synthetic_case(spec);
    ASSERT_EQ(c.findings.size(), 10u);
    for (const auto& f : c.findings) {
      EXPECT_GT(f.voxels, 0) << f.code << " seed " << seed;
      EXPECT_GE(f.instances, 1) << f.code;
      EXPECT_FALSE(f.locations.empty()) << f.code;
    }
  }
}

TEST(SyntheticCase, IsDeterministicBySeed) {
  const auto a = make_synthetic_case(small_case({"2d", "2c"}, 7));
  const auto b = make_synthetic_case(small_case({"2d", "2c"}, 7));
  const auto c = make_synthetic_case(small_case({"2d", "2c"}, 8));
  EXPECT_EQ(a.hu, b.hu);
  EXPECT_EQ(a.findings[0].mask, b.findings[0].mask);
  EXPECT_NE(a.hu, c.hu);
}

SyntheticOptions tiny(std::uint64_t seed) {
  SyntheticOptions o;
  o.patients = 5;
  o.seed = seed;
  o.size_zyx = {24, 40, 40};
  o.radchestct_volumes = 3;
  o.ctrate_v1 = true;
  o.threads = 2;
  return o;
}

// Compares what two data sets contain (not file bytes: zip members carry time stamps).
void expect_same_content(const fs::path& a, const fs::path& b) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(a))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), a).string());
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    ASSERT_TRUE(fs::exists(b / f)) << f;
    if (f.size() > 7 && f.substr(f.size() - 7) == ".nii.gz") {
      EXPECT_EQ(io::read_nifti(a / f).array.bytes, io::read_nifti(b / f).array.bytes) << f;
    } else if (f.substr(f.size() - 4) != ".npz") {
      EXPECT_EQ(test::slurp(a / f), test::slurp(b / f)) << f;
    }
  }
}

TEST(SyntheticDataset, IsDeterministicAndDependsOnTheSeed) {
  test::TempDir dir;
  write_synthetic_dataset(dir / "one", tiny(4));
  write_synthetic_dataset(dir / "two", tiny(4));
  expect_same_content(dir / "one", dir / "two");
  write_synthetic_dataset(dir / "three", tiny(5));
  EXPECT_NE(test::slurp(dir / "one" / "ctrate/dataset/radiology_text_reports/train_reports.csv"),
            test::slurp(dir / "three" / "ctrate/dataset/radiology_text_reports/train_reports.csv"));
}

TEST(SyntheticDataset, MatchesTheDistributedFormatsAsNibabelAndNumpyReadThem) {
  test::TempDir dir;
  const auto summary = write_synthetic_dataset(dir / "synth", tiny(11));
  EXPECT_GT(summary.ctrate_volumes, 4);
  EXPECT_GT(summary.rexgrounding_entries, 0);
  EXPECT_EQ(summary.radchestct_volumes, 3);
  EXPECT_EQ(test::run_python("data/reference/check_synthetic.py", (dir / "synth").string()), 0);
}

TEST(SyntheticDataset, NeverOverwritesAnythingButAnEarlierSyntheticSet) {
  test::TempDir dir;
  dir.write("precious/results.json", "{}");
  EXPECT_THROW(write_synthetic_dataset(dir / "precious", tiny(1), true), Error);
  EXPECT_EQ(test::slurp(dir / "precious/results.json"), "{}");
  write_synthetic_dataset(dir / "synth", tiny(1));
  EXPECT_THROW(write_synthetic_dataset(dir / "synth", tiny(2)), Error);  // exists, no --force
  write_synthetic_dataset(dir / "synth", tiny(2), true);
  EXPECT_EQ(test::file_names(dir.path()), (std::vector<std::string>{"precious", "synth"}));  // no staging left
}

}  // namespace
}  // namespace unict::data

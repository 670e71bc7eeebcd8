#include "unict/data/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "test_support.h"
#include "unict/core/error.h"
#include "unict/data/grid_case.h"
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
    // One owner per voxel: a lesion wholly hidden by earlier ones is not reported, so a crowded
    // case may show fewer than ten; every finding it reports has voxels.
    EXPECT_GE(c.findings.size(), 8u) << "seed " << seed;
    for (const auto& f : c.findings) {
      EXPECT_GT(f.voxels, 0) << f.code << " seed " << seed;
      EXPECT_GE(f.instances, 1) << f.code;
      EXPECT_FALSE(f.locations.empty()) << f.code;
    }
  }
}

// One owner per voxel in the realistic profile too: no two findings' masks share a voxel, so no
// mask covers a voxel that shows another lesion.
TEST(SyntheticCase, NoVoxelBelongsToTwoLesions) {
  for (std::uint64_t seed = 30; seed < 36; ++seed) {
    const SyntheticCase c = make_synthetic_case(small_case(synthetic_lesion_codes(), seed));
    ASSERT_FALSE(c.findings.empty());
    std::vector<int> owners(c.hu.size(), 0);
    for (const auto& f : c.findings) {
      EXPECT_GT(f.voxels, 0) << f.code << ": a wholly hidden lesion must not be reported";
      for (std::size_t i = 0; i < f.mask.size(); ++i) owners[i] += f.mask[i] != 0;
    }
    EXPECT_LE(*std::max_element(owners.begin(), owners.end()), 1) << "seed " << seed;
  }
}

GridCaseSpec grid_case(std::vector<std::string> codes, std::uint64_t seed) {
  GridCaseSpec spec;
  spec.lesion_codes = std::move(codes);
  spec.seed = seed;
  return spec;
}

// Each class alone, on the design grid: painted, its size within the stated range, every mask
// voxel in its band (noise is 20 HU: 5.5 sigmas), and the band far from the lung around it.
TEST(GridCase, EachClassShowsItsSignatureAtTheGrid) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    for (const auto& sig : grid_signatures()) {
      const SyntheticCase c = make_grid_case(grid_case({sig.code}, seed));
      ASSERT_EQ(c.findings.size(), 1u) << sig.code << " seed " << seed;
      const auto& f = c.findings[0];
      EXPECT_EQ(f.code, sig.code);
      EXPECT_GE(static_cast<double>(f.voxels), sig.min_voxels) << sig.code;
      EXPECT_LE(static_cast<double>(f.voxels), sig.max_voxels) << sig.code;
      EXPECT_GE(std::fabs(sig.band_hu - GridBands::lung), 7 * GridBands::noise_sigma) << sig.code;  // visible against the lung
      for (std::size_t i = 0; i < f.mask.size(); ++i) {
        if (f.mask[i]) {
          ASSERT_LE(std::fabs(c.hu[i] - sig.band_hu), 5.5 * GridBands::noise_sigma) << sig.code << " voxel " << i;
        }
      }
      EXPECT_FALSE(f.locations.empty());
      EXPECT_TRUE(f.extent == "small" || f.extent == "moderate" || f.extent == "extensive") << f.extent;
    }
  }
}

TEST(GridCase, LesionsNeverShareAVoxelAndAreDeterministic) {
  for (std::uint64_t seed = 10; seed < 16; ++seed) {
    const SyntheticCase c = make_grid_case(grid_case(synthetic_lesion_codes(), seed));
    EXPECT_GE(c.findings.size(), 8u) << "seed " << seed;  // a crowded lung may leave out a class, never silently
    std::vector<int> owners(c.hu.size(), 0);
    for (const auto& f : c.findings)
      for (std::size_t i = 0; i < f.mask.size(); ++i) owners[i] += f.mask[i] != 0;
    EXPECT_LE(*std::max_element(owners.begin(), owners.end()), 1) << "seed " << seed;
  }
  const auto a = make_grid_case(grid_case({"2b", "1c"}, 3)), b = make_grid_case(grid_case({"2b", "1c"}, 3));
  EXPECT_EQ(a.hu, b.hu);
  EXPECT_EQ(a.findings[1].mask, b.findings[1].mask);
}

// Drawn on another grid of the same field of view (the synthetic RAD-ChestCT's), a lesion keeps
// its physical size: its voxel count scales with the voxel volume.
TEST(GridCase, KeepsPhysicalSizesOnAnotherGrid) {
  GridCaseSpec fine = grid_case({"2b"}, 5);
  fine.size_zyx = {38, 48, 48};
  fine.spacing_zyx = {7.5, 7.5, 7.5};
  const SyntheticCase c = make_grid_case(fine);
  ASSERT_EQ(c.findings.size(), 1u);
  const double design_voxels = static_cast<double>(c.findings[0].voxels) * 7.5 / 9.0;
  EXPECT_GE(design_voxels, grid_signature("2b").min_voxels);
  EXPECT_LE(design_voxels, grid_signature("2b").max_voxels);
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

// The grid profile's promises, checked by numpy / nibabel on the written files.
TEST(SyntheticDataset, GridProfileKeepsItsPromisesAsNumpyReadsThem) {
  test::TempDir dir;
  SyntheticOptions o;
  o.profile = SyntheticProfile::grid;
  o.patients = 12;
  o.seed = 21;
  o.size_zyx = {32, 48, 48};
  o.grid_spacing_zyx = {9.0, 7.5, 7.5};
  o.max_scans = 1;
  o.radchestct_volumes = 3;
  o.threads = 2;
  const auto summary = write_synthetic_dataset(dir / "grid", o);
  EXPECT_EQ(summary.ctrate_volumes, 12);  // one scan per patient, no second reconstruction
  EXPECT_DOUBLE_EQ(summary.radchestct_spacing, 7.5);
  EXPECT_EQ(test::run_python("data/reference/check_grid_profile.py", (dir / "grid").string() + " 32 48 48 9 7.5 7.5"), 0);
  EXPECT_EQ(test::run_python("data/reference/check_synthetic.py", (dir / "grid").string()), 0);  // still the real formats
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

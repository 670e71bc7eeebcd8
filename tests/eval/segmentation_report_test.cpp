#include "unict/eval/segmentation_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/io/nifti.h"

namespace unict::eval {
namespace {

// A 4-D mask file (x, y, z, class) of 2 classes on a 4 x 4 x 4 grid with 2 mm voxels; `boxes`
// lists, per class, the z-slices [z0, z1) that are fully inside.
void write_case(const std::filesystem::path& file, const std::vector<std::pair<int, int>>& boxes) {
  io::Volume v;
  v.array = io::NdArray(io::DType::uint8, {2, 4, 4, 4});  // (class, z, y, x) in memory
  for (std::size_t c = 0; c < boxes.size(); ++c)
    for (int z = boxes[c].first; z < boxes[c].second; ++z)
      for (int i = 0; i < 16; ++i) v.array.data<std::uint8_t>()[(c * 4 + static_cast<std::size_t>(z)) * 16 + static_cast<std::size_t>(i)] = 1;
  v.geometry = io::Geometry::identity(4);
  for (int a = 0; a < 3; ++a) v.geometry.spacing[static_cast<std::size_t>(a)] = 2.0;
  io::write_nifti(file, v);
}

TEST(SegmentationReport, FoldersGiveHandComputedMeasures) {
  test::TempDir dir;
  const auto pred = dir / "pred", truth = dir / "truth";
  write_mask_folder_classes(pred, {"effusion", "nodule"});
  write_mask_folder_classes(truth, {"nodule", "effusion"});  // matched by name, not position
  // Volume a: effusion truth z 0..2 (48 voxels), predicted z 1..2 (32): Dice 64 / 80 = 0.8.
  //           nodule truth z 3 (16), predicted nothing: Dice 0, a miss.
  // Volume b: effusion absent, predicted z 0 (16 voxels of 8 mm^3 = 0.128 mL): a false positive.
  //           nodule truth z 0 (16), predicted z 0: Dice 1.
  write_case(pred / "a.nii.gz", {{1, 3}, {0, 0}});
  write_case(truth / "a.nii.gz", {{3, 4}, {0, 3}});
  write_case(pred / "b.nii.gz", {{0, 1}, {0, 1}});
  write_case(truth / "b.nii.gz", {{0, 1}, {0, 0}});
  const auto r = evaluate_segmentation(pred, truth);
  ASSERT_EQ(r.per_class.size(), 2u);
  const auto& nodule = r.per_class[0];
  const auto& effusion = r.per_class[1];
  EXPECT_EQ(effusion.name, "effusion");
  EXPECT_NEAR(*effusion.dice, 0.8, 1e-12);
  EXPECT_EQ(effusion.with_class, 1);
  EXPECT_NEAR(*effusion.false_positive_ml, 0.128, 1e-12);
  EXPECT_EQ(*effusion.hit_rate, 1.0);
  // Instances: volume a matched (Dice 0.8 >= 0.2); volume b's prediction is a false positive.
  EXPECT_EQ(effusion.predicted_instances, 2);
  EXPECT_EQ(effusion.matched_instances, 1);
  EXPECT_EQ(*effusion.instance_precision, 0.5);
  EXPECT_NEAR(*nodule.dice, 0.5, 1e-12);  // mean of 0 and 1
  EXPECT_EQ(*nodule.hit_rate, 0.5);
  EXPECT_FALSE(nodule.false_positive_ml.has_value());  // every volume has a nodule
  EXPECT_NEAR(*r.dice_mean, (0.8 + 0.5) / 2, 1e-12);
  EXPECT_NEAR(*r.hit_rate, 2.0 / 3, 1e-12);  // 2 of 3 findings
  const auto json = to_json(r);
  EXPECT_TRUE(json.contains("conventions"));
  EXPECT_EQ(json["per_class"]["effusion"]["volumes_without_class"], 1);

  // A volume on one side only is an error naming it.
  write_case(truth / "c.nii.gz", {{0, 1}, {0, 1}});
  EXPECT_CONTAINS(test::error_of([&] { evaluate_segmentation(pred, truth); }), "'c'");
}

}  // namespace
}  // namespace unict::eval

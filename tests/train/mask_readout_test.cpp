// The mask readout every consumer shares (train/validation.h), against closed forms.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "unict/train/validation.h"

namespace unict::train {
namespace {

TEST(PredictedMasks, AreTheVoxelsAtProbabilityOneHalfOrMore) {
  // sigmoid(x) >= 0.5 exactly when x >= 0.
  const auto logits = torch::tensor({-3.0f, -1e-4f, 0.0f, 2.0f}).view({1, 1, 1, 1, 4});
  const auto masks = predicted_masks(logits, logits.sizes().slice(2));
  ASSERT_EQ(masks.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(masks.view({-1}), torch::tensor({false, false, true, true})));
}

TEST(PredictedMasks, BringACoarserGridToTheInputSize) {
  // Trilinear, align_corners false, 1 -> 2 along x: both outputs sample the one input voxel.
  // 1 x 2 -> 1 x 4: outputs at input coordinates -0.25, 0.25, 0.75, 1.25 (clamped to 0 and 1),
  // so logits -1 and +3 give -1, 0, 2, 3: the mask starts at the second voxel.
  const auto logits = torch::tensor({-1.0f, 3.0f}).view({1, 1, 1, 1, 2});
  const std::vector<std::int64_t> input{1, 1, 4};
  const auto masks = predicted_masks(logits, input);
  ASSERT_EQ(masks.sizes(), (std::vector<std::int64_t>{1, 1, 1, 1, 4}));
  EXPECT_TRUE(torch::equal(masks.view({-1}), torch::tensor({false, true, true, true})));
}

TEST(PredictedMasks, GatedByDetectionKeepAClassOnlyWhereItsHeadReachesTheGate) {
  // Two volumes, two classes, every voxel above 0.5. Class logits: sigmoid(0) = 0.5 (at the gate:
  // kept), sigmoid(-1e-3) < 0.5 (emptied), sigmoid(4) = 0.982 (kept), sigmoid(-4) = 0.018.
  const auto seg_logits = torch::full({2, 2, 1, 2, 2}, 3.0f);
  const auto cls_logits = torch::tensor({{0.0f, -1e-3f}, {4.0f, -4.0f}});
  const auto gated = predicted_masks(seg_logits, seg_logits.sizes().slice(2), cls_logits, 0.5);
  const auto kept = gated.flatten(2).all(-1);
  EXPECT_TRUE(torch::equal(kept, torch::tensor({{true, false}, {true, false}})));
  EXPECT_FALSE(gated.flatten(2).any(-1)[0][1].item<bool>());
  // A gate of 0.01 keeps all four; a gate of 0 is the ungated readout, whatever the class logits.
  EXPECT_TRUE(predicted_masks(seg_logits, seg_logits.sizes().slice(2), cls_logits, 0.01).all().item<bool>());
  EXPECT_TRUE(predicted_masks(seg_logits, seg_logits.sizes().slice(2), cls_logits, 0.0).all().item<bool>());
  // The gate never adds a voxel: voxels below 0.5 stay out in a detected class.
  const auto below = torch::full({1, 1, 1, 1, 2}, -3.0f);
  EXPECT_FALSE(predicted_masks(below, below.sizes().slice(2), torch::tensor({{5.0f}}), 0.5).any().item<bool>());
}

TEST(PredictedMasks, GatedWithoutClassLogitsIsAnErrorNamingTheKey) {
  const auto seg_logits = torch::zeros({1, 2, 1, 1, 1});
  try {
    predicted_masks(seg_logits, seg_logits.sizes().slice(2), {}, 0.5);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("model.seg_detection_gate"), std::string::npos) << e.what();
  }
  // One class logit for two mask channels is as wrong.
  EXPECT_ANY_THROW(predicted_masks(seg_logits, seg_logits.sizes().slice(2), torch::zeros({1, 1}), 0.5));
}

TEST(DiceTable, IsTwiceTheOverlapOverTheSumPerVolumeAndClass) {
  // Volume 0, class 0: prediction {0, 1, 2}, truth {1, 2, 3}: 2 * 2 / 6. Class 1: empty truth.
  auto predicted = torch::zeros({1, 2, 1, 1, 4}, torch::kBool), truth = torch::zeros({1, 2, 1, 1, 4}, torch::kBool);
  predicted.index_put_({0, 0, 0, 0, torch::indexing::Slice(0, 3)}, true);
  truth.index_put_({0, 0, 0, 0, torch::indexing::Slice(1, 4)}, true);
  predicted.index_put_({0, 1, 0, 0, 0}, true);
  const auto table = dice_table(predicted, truth);
  EXPECT_NEAR(table.dice[0][0].item<double>(), 4.0 / 6.0, 1e-6);
  EXPECT_TRUE(table.present[0][0].item<bool>());
  EXPECT_FALSE(table.present[0][1].item<bool>());
  EXPECT_EQ(table.dice[0][1].item<double>(), 0.0);
}

}  // namespace
}  // namespace unict::train

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

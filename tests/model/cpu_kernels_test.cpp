// The hand-written CPU paths of the segmentation head against LibTorch's own ops: the trilinear
// resize against F::interpolate, the fused segmentation loss against the composite of
// segmentation_bce and soft_dice_loss (themselves checked against LibTorch's weighted BCE and a
// closed form in model_test.cpp), each in value and in gradient.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "unict/model/linear_resize.h"
#include "unict/model/losses.h"
#include "unict/model/segmentation_loss.h"

namespace unict::model {
namespace {

namespace F = torch::nn::functional;

double max_abs_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

struct ThreadCount {  // restores LibTorch's intra-op threads
  int saved = at::get_num_threads();
  explicit ThreadCount(int n) { at::set_num_threads(n); }
  ~ThreadCount() { at::set_num_threads(saved); }
};

TEST(TrilinearResize, EqualsInterpolateInValueAndGradient) {
  torch::manual_seed(5);
  struct Case {
    std::vector<std::int64_t> in, out;
  };
  // In-plane doubling (the quick start's logits), every axis, shrinking, odd ratios, one sample.
  for (const Case& c : {Case{{8, 12, 12}, {8, 24, 24}}, Case{{4, 3, 5}, {8, 6, 10}}, Case{{9, 10, 11}, {4, 5, 6}},
                        Case{{5, 7, 3}, {11, 4, 13}}, Case{{1, 4, 4}, {3, 9, 2}}}) {
    std::vector<std::int64_t> shape{2, 3};
    shape.insert(shape.end(), c.in.begin(), c.in.end());
    const auto x = torch::randn(shape).requires_grad_(true);
    const auto expected = F::interpolate(x, F::InterpolateFuncOptions().size(c.out).mode(torch::kTrilinear).align_corners(false));
    const auto upstream = torch::randn(expected.sizes());
    const auto expected_grad = torch::autograd::grad({expected}, {x}, {upstream})[0];

    const std::string where = c10::str(at::IntArrayRef(c.in), " -> ", at::IntArrayRef(c.out));
    const auto resized = trilinear_resize(x, c.out);
    ASSERT_EQ(resized.sizes(), expected.sizes());
    EXPECT_LT(max_abs_difference(resized, expected), 1e-5) << where;
    const auto grad = torch::autograd::grad({resized}, {x}, {upstream})[0];
    EXPECT_LT(max_abs_difference(grad, expected_grad), 1e-5 * (1 + expected_grad.abs().max().item<double>())) << where;
  }
  const auto same = torch::randn({1, 2, 3, 4, 5});
  EXPECT_TRUE(trilinear_resize(same, {3, 4, 5}).is_same(same));  // nothing to do: the tensor itself
}

TEST(TrilinearResize, DoesNotDependOnTheThreadCount) {
  torch::manual_seed(6);
  const auto x = torch::randn({2, 4, 16, 24, 24}).requires_grad_(true);
  const auto upstream = torch::randn({2, 4, 16, 48, 48});
  at::Tensor y[2], g[2];
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    y[threads - 1] = trilinear_resize(x, {16, 48, 48});
    g[threads - 1] = torch::autograd::grad({y[threads - 1]}, {x}, {upstream})[0];
  }
  EXPECT_TRUE(torch::equal(y[0], y[1]));
  EXPECT_TRUE(torch::equal(g[0], g[1]));
}

// The composite the fused loss replaces on the CPU: LibTorch ops, autograd's gradient.
at::Tensor composite_loss(const at::Tensor& logits, const at::Tensor& masks, double pos_weight, double other_lesion_weight,
                          double dice_weight) {
  return dice_weight * soft_dice_loss(torch::sigmoid(logits), masks) +
         (1 - dice_weight) * segmentation_bce(logits, masks, pos_weight, other_lesion_weight);
}

TEST(FusedSegmentationLoss, EqualsTheCompositeInValueAndGradient) {
  torch::manual_seed(7);
  // One-owner masks (each voxel one class's lesion or background), as the synthetic data has
  // them, and fractional masks, as a coarser output's pooled masks are. 5000 voxels: more than
  // one chunk, and a partial last one.
  const auto owner = torch::randint(0, 5, {2, 1, 10, 20, 25});
  const auto hard = torch::cat({owner == 1, owner == 2, owner == 3, owner == 4}, 1).to(torch::kFloat32);
  auto soft = hard * torch::rand(hard.sizes());
  soft.select(0, 1).select(0, 2).zero_();  // a (volume, class) pair without a lesion: out of the Dice mean
  for (const auto& masks : {hard, soft})
    for (double pos_weight : {1.0, 200.0})
      for (double other_lesion_weight : {1.0, 30.0})
        for (double dice_weight : {0.0, 0.5, 1.0}) {
          const auto logits = (torch::randn(masks.sizes()) * 6).requires_grad_(true);
          ASSERT_TRUE(fused_segmentation_loss_applies(logits));
          const auto expected = composite_loss(logits, masks, pos_weight, other_lesion_weight, dice_weight);
          const auto expected_grad = torch::autograd::grad({expected}, {logits})[0];
          const auto loss = fused_segmentation_loss(logits, masks, pos_weight, other_lesion_weight, dice_weight);
          const auto grad = torch::autograd::grad({loss * 3}, {logits})[0] / 3;  // the upstream gradient is applied
          const std::string where = "pos " + std::to_string(pos_weight) + " other " + std::to_string(other_lesion_weight) + " dice " +
                                    std::to_string(dice_weight);
          EXPECT_NEAR(loss.item<double>(), expected.item<double>(), 1e-5 * std::abs(expected.item<double>()) + 1e-7) << where;
          EXPECT_LT(max_abs_difference(grad, expected_grad), 1e-5 * expected_grad.abs().max().item<double>() + 1e-12) << where;
        }
  // No lesion anywhere: the Dice term is 0, as in soft_dice_loss.
  const auto logits = torch::randn({1, 2, 3, 4, 5});
  const auto empty = torch::zeros({1, 2, 3, 4, 5});
  EXPECT_NEAR(fused_segmentation_loss(logits, empty, 5, 3, 1).item<double>(), 0.0, 1e-12);
}

TEST(FusedSegmentationLoss, IsTheSameAtAnyThreadCountAndPassesNonFiniteLogitsOn) {
  torch::manual_seed(8);
  const auto masks = (torch::rand({2, 3, 16, 24, 24}) > 0.97).to(torch::kFloat32);
  const auto logits = torch::randn(masks.sizes()).requires_grad_(true);
  at::Tensor loss[2], grad[2];
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    loss[threads - 1] = fused_segmentation_loss(logits, masks, 200, 200, 0.5);
    grad[threads - 1] = torch::autograd::grad({loss[threads - 1]}, {logits})[0];
  }
  EXPECT_TRUE(torch::equal(loss[0], loss[1]));
  EXPECT_TRUE(torch::equal(grad[0], grad[1]));
  // A NaN logit must reach the trainer's non-finite guard as a NaN loss.
  auto bad = logits.detach().clone();
  bad.view({-1})[100] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(fused_segmentation_loss(bad, masks, 200, 200, 0.5).item<double>()));
}

}  // namespace
}  // namespace unict::model

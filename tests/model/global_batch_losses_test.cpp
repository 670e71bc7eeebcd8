// The losses of a distributed update (losses.h, LossDenominators): each rank's share of a batch,
// divided by the whole batch's counts, must add up to the loss of the whole batch in one process,
// in value and in gradient, whatever the shares hold: reports of different lengths, volumes with
// and without masks, classes with and without lesions, a share without any mask.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "unict/model/losses.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"

namespace unict::model {
namespace {

struct Batch {
  at::Tensor cls, seg, rep;  // logits, leaves that require grad
  Targets targets;
};

// Four volumes, three classes, 4 x 6 x 6 masks (the logits at half that size, as a coarser head
// gives), reports of 7, 4, 6 and 3 tokens padded to 7.
Batch make_batch(torch::Dtype dtype) {
  torch::manual_seed(11);
  const auto options = torch::TensorOptions().dtype(dtype);
  Batch b;
  b.cls = torch::randn({4, 3}, options).requires_grad_(true);
  b.seg = torch::randn({4, 3, 2, 3, 3}, options).requires_grad_(true);
  b.rep = torch::randn({4, 6, 9}, options).requires_grad_(true);
  b.targets.labels = torch::randint(0, 2, {4, 3}).to(torch::kFloat32);
  b.targets.masks = (torch::rand({4, 3, 4, 6, 6}) > 0.8).to(torch::kFloat32);
  b.targets.masks[0][1].zero_();  // a class without a lesion in a volume with masks
  b.targets.masks[2].zero_();     // volume 2 has no masks at all
  b.targets.has_mask = torch::tensor({true, true, false, true});
  b.targets.tokens = torch::randint(4, 9, {4, 7});
  const std::vector<std::int64_t> lengths{7, 4, 6, 3};
  for (std::int64_t i = 0; i < 4; ++i) b.targets.tokens[i].slice(0, lengths[static_cast<std::size_t>(i)]).fill_(text::kPadId);
  return b;
}

ModelOutput output_of(const at::Tensor& cls, const at::Tensor& seg, const at::Tensor& rep) {
  ModelOutput out;
  out.cls_logits = cls;
  out.seg_logits = seg;
  out.rep_logits = rep;
  out.embedded = torch::zeros({cls.size(0), 2}, cls.options());
  return out;
}

Targets rows_of(const Targets& t, const at::Tensor& rows) {
  return {t.labels.index_select(0, rows), t.masks.index_select(0, rows), t.has_mask.index_select(0, rows), t.tokens.index_select(0, rows)};
}

LossConfig loss_config() {
  LossConfig c;
  c.cls_weight = 1;
  c.seg_weight = 2;
  c.rep_weight = 0.5;
  c.seg_pos_weight = 3;
  c.seg_other_lesion_weight = 2;
  c.seg_dice_weight = 0.4;
  c.label_smoothing = 0.1;
  c.cls_pos_weight = {1.5, 1, 2};
  return c;
}

void expect_shares_add_up(torch::Dtype dtype, const std::vector<std::vector<std::int64_t>>& shares) {
  const auto config = loss_config();
  Batch whole = make_batch(dtype);
  const auto expected = compute_losses(output_of(whole.cls, whole.seg, whole.rep), whole.targets, config);
  expected.total.backward();

  // The counts of the shares, summed as the ranks' all-reduce would.
  Batch split = make_batch(dtype);
  LossDenominators global;
  for (const auto& share : shares) {
    const auto d = loss_denominators(rows_of(split.targets, torch::tensor(share)));
    global.volumes += d.volumes;
    global.mask_volumes += d.mask_volumes;
    global.lesion_pairs += d.lesion_pairs;
    global.report_tokens += d.report_tokens;
  }
  const auto whole_counts = loss_denominators(split.targets);
  EXPECT_EQ(global.volumes, whole_counts.volumes);
  EXPECT_EQ(global.mask_volumes, 3);
  EXPECT_EQ(global.report_tokens, 6 + 3 + 5 + 2);  // next tokens that are not PAD

  double cls = 0, seg = 0, rep = 0, total = 0;
  for (const auto& share : shares) {
    const auto rows = torch::tensor(share);
    const auto cls_logits = split.cls.index_select(0, rows), seg_logits = split.seg.index_select(0, rows),
               rep_logits = split.rep.index_select(0, rows);
    const auto losses = compute_losses(output_of(cls_logits, seg_logits, rep_logits), rows_of(split.targets, rows), config, global);
    cls += losses.cls.item<double>();
    rep += losses.rep.item<double>();
    if (losses.seg.defined()) seg += losses.seg.item<double>();
    total += losses.total.item<double>();
    losses.total.backward();  // gradients add up in the leaves, as the all-reduce adds the ranks'
  }
  const double tolerance = dtype == torch::kFloat64 ? 1e-12 : 2e-6;
  EXPECT_NEAR(cls, expected.cls.item<double>(), tolerance);
  EXPECT_NEAR(seg, expected.seg.item<double>(), tolerance);
  EXPECT_NEAR(rep, expected.rep.item<double>(), tolerance);
  EXPECT_NEAR(total, expected.total.item<double>(), tolerance * 4);
  EXPECT_LT((split.cls.grad() - whole.cls.grad()).abs().max().item<double>(), tolerance);
  EXPECT_LT((split.seg.grad() - whole.seg.grad()).abs().max().item<double>(), tolerance);
  EXPECT_LT((split.rep.grad() - whole.rep.grad()).abs().max().item<double>(), tolerance);
}

TEST(GlobalBatchLosses, TwoInterleavedSharesAddUpToTheWholeBatch) {
  expect_shares_add_up(torch::kFloat64, {{0, 2}, {1, 3}});  // the composite segmentation loss
  expect_shares_add_up(torch::kFloat32, {{0, 2}, {1, 3}});  // the fused one (float32 on the CPU)
}

TEST(GlobalBatchLosses, OneVolumeAShareIncludingOneWithoutMasks) {
  expect_shares_add_up(torch::kFloat64, {{0}, {1}, {2}, {3}});
  expect_shares_add_up(torch::kFloat32, {{0}, {1}, {2}, {3}});
}

TEST(GlobalBatchLosses, AShareWithoutMasksHasNoSegmentationLoss) {
  Batch b = make_batch(torch::kFloat32);
  const auto rows = torch::tensor({2});
  const auto targets = rows_of(b.targets, rows);
  const auto d = loss_denominators(targets);
  EXPECT_EQ(d.mask_volumes, 0);
  EXPECT_EQ(d.lesion_pairs, 0);
  LossDenominators global = d;
  global.mask_volumes = 3;  // other ranks have masks
  const auto losses =
      compute_losses(output_of(b.cls.index_select(0, rows), b.seg.index_select(0, rows), b.rep.index_select(0, rows)), targets, loss_config(), global);
  EXPECT_FALSE(losses.seg.defined());
  EXPECT_TRUE(losses.cls.defined());
}

}  // namespace
}  // namespace unict::model

// The optimiser's parameter groups and one AdamW update, against the closed form of AdamW's first
// step: p <- p (1 - lr wd) - lr g / (|g| + eps), since the bias-corrected moments are g and g^2;
// the fused step over several steps against AdamW written out in float64, and its saved state.
#include "unict/train/optimizer.h"

#include "unict/train/fused_adamw.h"

#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace unict::train {
namespace {

struct Toy : torch::nn::Module {
  torch::nn::Linear backbone{nullptr}, head{nullptr};
  Toy() {
    // Named unlike "encoder": the groups must follow the module handed in, not a name.
    backbone = register_module("backbone", torch::nn::Linear(3, 2));
    head = register_module("head", torch::nn::Linear(2, 1));
  }
};

TEST(Optimizer, GroupsTheEncoderAndTheRestEachWithAndWithoutDecay) {
  torch::manual_seed(0);
  Toy toy;
  TrainConfig config;
  const auto optimizer = make_optimizer(toy, *toy.backbone, config);
  ASSERT_EQ(optimizer.group_names, (std::vector<std::string>{"encoder", "encoder_no_decay", "rest", "rest_no_decay"}));
  const auto& groups = optimizer.adamw->param_groups();
  const std::vector<at::Tensor> expected{toy.backbone->weight, toy.backbone->bias, toy.head->weight, toy.head->bias};
  for (std::size_t g = 0; g < groups.size(); ++g) {
    ASSERT_EQ(groups[g].params().size(), 1u) << optimizer.group_names[g];
    EXPECT_TRUE(groups[g].params()[0].is_same(expected[g])) << optimizer.group_names[g];
  }
}

TEST(Optimizer, OneUpdateIsAdamWsFirstStepWithEachGroupsRateAndDecay) {
  torch::manual_seed(0);
  Toy toy;
  TrainConfig config;
  config.lr = 0.1;
  config.weight_decay = 0.5;
  config.encoder_lr_scale = 0.25;
  auto optimizer = make_optimizer(toy, *toy.backbone, config);
  optimizer.set_lr(0.08);  // the schedule's rate: the encoder gets 0.02, the rest 0.08
  const std::vector<at::Tensor> params{toy.backbone->weight, toy.backbone->bias, toy.head->weight, toy.head->bias};
  const std::vector<double> lr{0.02, 0.02, 0.08, 0.08}, decay{0.5, 0.0, 0.5, 0.0};
  std::vector<at::Tensor> before, grads;
  for (std::size_t i = 0; i < params.size(); ++i) {
    before.push_back(params[i].detach().clone());
    grads.push_back(torch::randn(params[i].sizes()));
    params[i].mutable_grad() = grads.back().clone();
  }
  optimizer.adamw->step();
  const double eps = 1e-8;  // AdamW's default
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto expected = before[i] * (1 - lr[i] * decay[i]) - lr[i] * grads[i] / (grads[i].abs() + eps);
    EXPECT_TRUE(torch::allclose(params[i].detach(), expected, 1e-6, 1e-7)) << "parameter " << i;
  }
}

// AdamW over several steps in float64, written out from its definition: the reference for the
// fused step, which must also keep LibTorch's state so that a saved optimiser resumes exactly.
struct AdamWByHand {
  at::Tensor p, m, v;
  std::int64_t t = 0;
  void step(const at::Tensor& g, double lr, double wd) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    ++t;
    p = p * (1 - lr * wd);
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p = p - lr / (1 - std::pow(b1, t)) * m / ((v / (1 - std::pow(b2, t))).sqrt() + eps);
  }
};

TEST(FusedAdamW, FollowsAdamWOverStepsAndResumesFromItsSavedState) {
  torch::manual_seed(3);
  Toy toy;
  TrainConfig config;
  config.lr = 0.05;
  config.weight_decay = 0.3;
  config.encoder_lr_scale = 0.5;
  auto optimizer = make_optimizer(toy, *toy.backbone, config);
  ASSERT_NE(dynamic_cast<FusedAdamW*>(optimizer.adamw.get()), nullptr);
  const std::vector<at::Tensor> params{toy.backbone->weight, toy.backbone->bias, toy.head->weight, toy.head->bias};
  const std::vector<double> decay{0.3, 0.0, 0.3, 0.0}, lr_scale{0.5, 0.5, 1.0, 1.0};
  std::vector<AdamWByHand> by_hand;
  for (const auto& p : params) {
    const auto p64 = p.detach().to(torch::kFloat64);
    by_hand.push_back({p64.clone(), torch::zeros_like(p64), torch::zeros_like(p64)});
  }
  auto steps = [&](ModelOptimizer& opt, int n, std::vector<AdamWByHand>* reference) {
    for (int s = 0; s < n; ++s) {
      const double lr = 0.05 * (1 + s % 3);  // the schedule moves the rate between steps
      opt.set_lr(lr);
      for (std::size_t i = 0; i < params.size(); ++i) {
        const auto g = torch::randn(params[i].sizes());
        params[i].mutable_grad() = g.clone();
        if (reference != nullptr) (*reference)[i].step(g.to(torch::kFloat64), lr * lr_scale[i], decay[i]);
      }
      opt.adamw->step();
    }
  };
  steps(optimizer, 6, &by_hand);
  for (std::size_t i = 0; i < params.size(); ++i)
    EXPECT_TRUE(torch::allclose(params[i].detach().to(torch::kFloat64), by_hand[i].p, 1e-5, 1e-6)) << "parameter " << i;

  // Saved and loaded into a fresh optimiser (and LibTorch's own AdamW), three more steps give
  // the same weights as three more steps of the original.
  std::stringstream saved;
  torch::save(*optimizer.adamw, saved);
  std::vector<at::Tensor> at_save;
  for (const auto& p : params) at_save.push_back(p.detach().clone());
  torch::manual_seed(4);
  steps(optimizer, 3, nullptr);
  std::vector<at::Tensor> continued;
  for (const auto& p : params) continued.push_back(p.detach().clone());
  for (bool fused : {true, false}) {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(at_save[i]);
    auto resumed = make_optimizer(toy, *toy.backbone, config);
    if (!fused) resumed.adamw = std::make_unique<torch::optim::AdamW>(resumed.adamw->param_groups(), torch::optim::AdamWOptions());
    saved.seekg(0);
    torch::load(*resumed.adamw, saved);
    torch::manual_seed(4);
    steps(resumed, 3, nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (fused)
        EXPECT_TRUE(torch::equal(params[i].detach(), continued[i])) << "parameter " << i;
      else  // LibTorch's ops round differently, not more
        EXPECT_TRUE(torch::allclose(params[i].detach(), continued[i], 1e-5, 1e-7)) << "parameter " << i;
    }
  }
}

TEST(Optimizer, AModelWithoutTrainableParametersIsAnError) {
  Toy toy;
  for (auto& p : toy.parameters()) p.set_requires_grad(false);
  EXPECT_ANY_THROW(make_optimizer(toy, *toy.backbone, TrainConfig{}));
}

}  // namespace
}  // namespace unict::train

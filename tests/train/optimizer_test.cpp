// The optimiser's parameter groups and one AdamW update, against the closed form of AdamW's first
// step: p <- p (1 - lr wd) - lr g / (|g| + eps), since the bias-corrected moments are g and g^2.
#include "unict/train/optimizer.h"

#include <cmath>

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

TEST(Optimizer, AModelWithoutTrainableParametersIsAnError) {
  Toy toy;
  for (auto& p : toy.parameters()) p.set_requires_grad(false);
  EXPECT_ANY_THROW(make_optimizer(toy, *toy.backbone, TrainConfig{}));
}

}  // namespace
}  // namespace unict::train

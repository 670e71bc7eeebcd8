// Training on every test device (tests/device_cases.h): AdamW's first update there is its closed
// form for each parameter group, and the tiny model fits one fixed batch there (the total loss
// falls well below where it started) under the case's autocast. On a machine with CUDA, ctest
// runs these on the GPU too, so a device whose backward or update is wrong fails.
#include <gtest/gtest.h>

#include <cmath>

#include "device_cases.h"
#include "model_fixture.h"
#include "unict/core/autocast.h"
#include "unict/model/losses.h"
#include "unict/train/optimizer.h"

namespace unict::train {
namespace {

using test::DeviceCase;

class TrainingOnEachDevice : public ::testing::TestWithParam<DeviceCase> {};
class UpdatesOnEachDevice : public ::testing::TestWithParam<DeviceCase> {};

// AdamW's first step with bias-corrected moments g and g^2: p <- p (1 - lr wd) - lr g / (|g| + eps).
TEST_P(UpdatesOnEachDevice, AdamWsFirstStepIsItsClosedFormInEveryGroup) {
  const auto& c = GetParam();
  auto net = model::build_model(test::tiny_settings(), test::tiny_shape(), 4);
  net->to(c.device);
  TrainConfig config;
  config.lr = 0.1, config.weight_decay = 0.5, config.encoder_lr_scale = 0.25;
  auto optimizer = make_optimizer(*net, *net->encoder(), config);
  optimizer.set_lr(0.08);
  torch::manual_seed(9);
  const auto& groups = optimizer.adamw->param_groups();
  std::vector<at::Tensor> before, grads;
  std::vector<double> lr, decay;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (const auto& p : groups[g].params()) {
      EXPECT_EQ(p.device(), c.device);
      before.push_back(p.detach().clone());
      grads.push_back(torch::randn(p.sizes()).to(c.device));
      p.mutable_grad() = grads.back().clone();
      lr.push_back(optimizer.group_names[g].rfind("encoder", 0) == 0 ? 0.02 : 0.08);
      decay.push_back(optimizer.group_names[g].find("no_decay") == std::string::npos ? 0.5 : 0.0);
    }
  optimizer.adamw->step();
  std::size_t i = 0;
  for (const auto& group : groups)
    for (const auto& p : group.params()) {
      const auto expected = before[i] * (1 - lr[i] * decay[i]) - lr[i] * grads[i] / (grads[i].abs() + 1e-8);
      EXPECT_TRUE(test::close_at_scale(p.detach(), expected, 1e-6)) << "parameter " << i;
      ++i;
    }
  EXPECT_EQ(i, before.size());
}

TEST_P(TrainingOnEachDevice, TheTinyModelFitsOneBatch) {
  const auto& c = GetParam();
  auto settings = test::tiny_settings();
  auto net = model::build_model(settings, test::tiny_shape(), 6);
  net->to(c.device);
  net->train();
  TrainConfig config;
  config.lr = 3e-3, config.weight_decay = 0.0;
  auto optimizer = make_optimizer(*net, *net->encoder(), config);
  const auto b = test::tiny_batch(test::tiny_shape());
  const auto on = [&](const at::Tensor& t) { return t.to(c.device); };
  std::vector<double> losses;
  for (int step = 0; step < 25; ++step) {
    optimizer.adamw->zero_grad();
    model::TaskLosses l;
    {
      compat::CudaAutocast scope(c.autocast(), c.compute_dtype);
      const auto out = net->forward(on(b.ct), on(b.tokens));
      l = model::compute_losses(out, {on(b.labels), on(b.masks), on(b.has_mask), on(b.tokens)}, settings.loss);
    }
    ASSERT_TRUE(std::isfinite(l.total.item<double>())) << "step " << step;
    losses.push_back(l.total.item<double>());
    l.total.backward();
    optimizer.adamw->step();
  }
  RecordProperty("first_loss", std::to_string(losses.front()));
  RecordProperty("last_loss", std::to_string(losses.back()));
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << "first " << losses.front() << ", last " << losses.back();
}

INSTANTIATE_TEST_SUITE_P(Devices, UpdatesOnEachDevice, ::testing::ValuesIn(test::float32_test_devices()), test::device_case_name);
INSTANTIATE_TEST_SUITE_P(Devices, TrainingOnEachDevice, ::testing::ValuesIn(test::test_devices()), test::device_case_name);

}  // namespace
}  // namespace unict::train

// The model on every test device (tests/device_cases.h): the same weights give the CPU float32
// outputs within the device's tolerance, every parameter gets a gradient there, incremental
// decoding equals the full forward, greedy equals a beam of one, and the losses equal LibTorch's
// own ops on that device. On a machine without CUDA these run on the CPU only; on one with CUDA,
// ctest runs them on both, and a GPU that disagrees with the CPU fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "device_cases.h"
#include "model_fixture.h"
#include "unict/core/autocast.h"
#include "unict/model/losses.h"

namespace unict::model {
namespace {

using test::DeviceCase;
using test::tiny_batch;
using test::tiny_settings;
using test::tiny_shape;

class OnEachDevice : public ::testing::TestWithParam<DeviceCase> {
 protected:
  // The tiny model on the case's device, built with `seed` on the CPU first (same weights as the reference).
  UniCT model_on_device(const std::string& encoder, std::uint64_t seed) const {
    auto net = build_model(tiny_settings(encoder), tiny_shape(), seed);
    net->to(GetParam().device);
    return net;
  }
  at::Tensor on_device(const at::Tensor& t) const { return t.to(GetParam().device); }
};

TEST_P(OnEachDevice, TheForwardEqualsTheCpuFloat32ForwardOfTheSameWeights) {
  const auto& c = GetParam();
  for (const std::string encoder : {"resnet3d", "resnet2p5d"}) {
    auto reference = build_model(tiny_settings(encoder), tiny_shape(), 5);
    auto net = model_on_device(encoder, 5);
    reference->eval();
    net->eval();
    torch::NoGradGuard no_grad;
    const auto b = tiny_batch(tiny_shape());
    const auto expected = reference->forward(b.ct, b.tokens);
    ModelOutput out;
    {
      compat::CudaAutocast scope(c.autocast(), c.compute_dtype);
      out = net->forward(on_device(b.ct), on_device(b.tokens));
    }
    EXPECT_TRUE(test::close_at_scale(out.cls_logits, expected.cls_logits, c.tolerance)) << encoder << " cls";
    EXPECT_TRUE(test::close_at_scale(out.seg_logits, expected.seg_logits, c.tolerance)) << encoder << " seg";
    EXPECT_TRUE(test::close_at_scale(out.rep_logits, expected.rep_logits, c.tolerance)) << encoder << " rep";
    EXPECT_TRUE(test::close_at_scale(out.attention, expected.attention, c.tolerance)) << encoder << " attention";
  }
}

TEST_P(OnEachDevice, EveryParameterReceivesAGradient) {
  const auto& c = GetParam();
  auto net = model_on_device("resnet3d", 3);
  const auto b = tiny_batch(tiny_shape());
  TaskLosses losses;
  {
    compat::CudaAutocast scope(c.autocast(), c.compute_dtype);
    const auto out = net->forward(on_device(b.ct), on_device(b.tokens));
    losses = compute_losses(out, {on_device(b.labels), on_device(b.masks), on_device(b.has_mask), on_device(b.tokens)}, tiny_settings().loss);
  }
  ASSERT_TRUE(std::isfinite(losses.total.item<double>()));
  losses.total.backward();
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_EQ(p.value().grad().device(), c.device) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
  }
}

// Decoding and the losses run in float32 on every device (autocast covers the training forward).
class InFloat32OnEachDevice : public OnEachDevice {};

TEST_P(InFloat32OnEachDevice, IncrementalDecodingEqualsTheFullForward) {
  const auto& c = GetParam();
  auto net = model_on_device("resnet3d", 11);
  net->eval();
  torch::NoGradGuard no_grad;
  const auto b = tiny_batch(tiny_shape(), 2, 10);
  const auto out = net->forward(on_device(b.ct), on_device(b.tokens));
  auto& decoder = *net->report_decoder();
  auto cache = decoder.start(out.fused.select(1, 2), out.slice_tokens);
  for (std::int64_t t = 0; t < 9; ++t)
    EXPECT_TRUE(test::close_at_scale(decoder.step(cache, on_device(b.tokens).select(1, t)), out.rep_logits.select(1, t), 10 * c.tolerance)) << t;
  const DecodeConfig greedy{"greedy", 1, 0.0, 12}, beam1{"beam", 1, 1.0, 12};
  EXPECT_EQ(net->generate(on_device(b.ct), beam1), net->generate(on_device(b.ct), greedy));
}

TEST_P(InFloat32OnEachDevice, LossesEqualLibTorchsOwnOpsThere) {
  torch::manual_seed(2);
  const auto x = on_device(torch::randn({2, 3, 4, 5, 6}) * 4), t = on_device((torch::rand({2, 3, 4, 5, 6}) > 0.8).to(torch::kFloat32));
  const auto reference = torch::nn::functional::binary_cross_entropy_with_logits(
      x, t, torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(on_device(torch::full({1}, 7.5))));
  EXPECT_NEAR(weighted_bce_with_logits(x, t, 7.5).item<double>(), reference.item<double>(), 1e-5 * reference.item<double>());
  const auto p = on_device(torch::tensor({0.5f, 1.0f}).view({1, 1, 2})), g = on_device(torch::tensor({1.0f, 0.0f}).view({1, 1, 2}));
  EXPECT_NEAR(soft_dice_loss(p, g).item<double>(), 1 - 2 / 3.5, 1e-6);  // 1 - (2 * 0.5 + 1) / (1.5 + 1 + 1)
}

INSTANTIATE_TEST_SUITE_P(Devices, OnEachDevice, ::testing::ValuesIn(test::test_devices()), test::device_case_name);
INSTANTIATE_TEST_SUITE_P(Devices, InFloat32OnEachDevice, ::testing::ValuesIn(test::float32_test_devices()), test::device_case_name);

}  // namespace
}  // namespace unict::model

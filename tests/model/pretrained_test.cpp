#include <gtest/gtest.h>

#include <torch/torch.h>

#include "test_support.h"
#include "unict/io/npy.h"
#include "unict/model/pretrained.h"
#include "unict/model/resnet2p5d.h"

namespace unict::model {
namespace {

at::Tensor tensor_of(const io::NdArray& a) {
  return torch::from_blob(const_cast<float*>(a.data<float>()), a.shape, torch::kFloat32).clone();
}

class TorchvisionImport : public ::testing::TestWithParam<int> {};

TEST_P(TorchvisionImport, TrunkForwardMatchesTorchvision) {
  const int depth = GetParam();
  test::TempDir dir;
  ASSERT_EQ(test::run_python("model/reference/torchvision_trunk.py", std::to_string(depth) + " '" + dir.path().string() + "'"), 0);
  ResNet2d trunk(depth);
  load_torchvision_resnet(*trunk, depth, dir / "weights.npz");
  trunk->eval();
  torch::NoGradGuard no_grad;
  const auto reference = dir / "reference.npz";
  const auto maps = trunk->forward(tensor_of(io::read_npz_member(reference, "input")));
  const char* names[] = {"stem", "layer1", "layer2", "layer3", "layer4"};
  for (int i = 0; i < 5; ++i) {
    const auto expected = tensor_of(io::read_npz_member(reference, names[i]));
    ASSERT_EQ(maps[static_cast<std::size_t>(i)].sizes(), expected.sizes()) << names[i];
    const double worst = (maps[static_cast<std::size_t>(i)] - expected).abs().max().item<double>();
    EXPECT_LT(worst, 1e-4 * std::max(1.0, expected.abs().max().item<double>())) << names[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Depths, TorchvisionImport, ::testing::Values(18, 34));

TEST(TorchvisionImportErrors, MissingAndMisShapedTensorsAreNamed) {
  test::TempDir dir;
  io::NdArray conv1(io::DType::float32, {64, 3, 7, 7});
  io::NdArray wrong(io::DType::float32, {64, 3, 3, 3});
  const auto missing = dir / "missing.npz";
  io::write_npz(missing, {{"conv1.weight", &conv1}});
  ResNet2d trunk(18);
  auto message = test::error_of([&] { load_torchvision_resnet(*trunk, 18, missing); });
  EXPECT_CONTAINS(message, "missing.npz");
  EXPECT_CONTAINS(message, "missing tensor 'bn1.weight'");

  const auto misshaped = dir / "misshaped.npz";
  io::write_npz(misshaped, {{"conv1.weight", &wrong}});
  message = test::error_of([&] { load_torchvision_resnet(*trunk, 18, misshaped); });
  EXPECT_CONTAINS(message, "'conv1.weight' has shape [64, 3, 3, 3]");
  EXPECT_CONTAINS(message, "[64, 3, 7, 7]");

  message = test::error_of([&] { load_torchvision_resnet(*trunk, 18, dir / "absent.npz"); });
  EXPECT_CONTAINS(message, "absent.npz");
}

TEST(TorchvisionImportErrors, NameMapCoversEveryTrunkTensorOnce) {
  for (int depth : {18, 34}) {
    ResNet2d trunk(depth);
    std::set<std::string> ours;
    for (const auto& p : trunk->named_parameters()) ours.insert(p.key());
    for (const auto& b : trunk->named_buffers())
      if (b.key().find("num_batches_tracked") == std::string::npos) ours.insert(b.key());
    std::set<std::string> mapped;
    for (const auto& [tv, our] : torchvision_resnet_name_map(depth)) EXPECT_TRUE(mapped.insert(our).second) << our;
    EXPECT_EQ(mapped, ours) << depth;
  }
}

}  // namespace
}  // namespace unict::model

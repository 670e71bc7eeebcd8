// encoder.pooling against closed forms written out position by position in double precision, the
// mean against the encoder's computation before the key existed (bit for bit), and the embedded
// CT's width and refusal with encoder.pooled_maps.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model_fixture.h"
#include "test_support.h"
#include "unict/core/error.h"
#include "unict/model/feature_pooling.h"

namespace unict::model {
namespace {

using test::tiny_settings;
using test::tiny_shape;

// The closed form of one kind over the positions `values` of one channel; `scores` are the
// attention's scores of the same positions.
double closed_form(const std::string& kind, const std::vector<double>& values, const std::vector<double>& scores, double p) {
  const auto n = static_cast<double>(values.size());
  double result = kind == "max" ? -INFINITY : 0.0;
  double normaliser = 0.0;
  for (double s : scores) normaliser += std::exp(s);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (kind == "mean") result += values[i] / n;
    if (kind == "max") result = std::max(result, values[i]);
    if (kind == "gem") result += std::pow(std::max(values[i], 1e-6), p) / n;
    if (kind == "attention") result += values[i] * std::exp(scores[i]) / normaliser;
  }
  return kind == "gem" ? std::pow(result, 1.0 / p) : result;
}

class PoolingKinds : public ::testing::TestWithParam<std::string> {};

TEST_P(PoolingKinds, WholeAndPerSliceMatchTheirClosedForms) {
  const std::string kind = GetParam();
  torch::manual_seed(3);
  const std::int64_t b = 2, c = 3, z = 2, y = 3, x = 4;
  const auto map = torch::relu(torch::randn({b, c, z, y, x}));  // maps are ReLU outputs
  FeaturePooling pooling(kind, c);
  torch::Tensor weight = torch::randn({c}), bias = torch::randn({1});
  if (kind == "attention") {
    torch::NoGradGuard no_grad;
    for (auto& p : pooling->named_parameters())
      p.value().copy_(p.key() == "score.weight" ? weight.view({1, c}) : bias);
  }
  const auto whole = pooling->whole(map);
  const auto slices = pooling->per_slice(map);
  ASSERT_EQ(whole.sizes(), (std::vector<std::int64_t>{b, c}));
  ASSERT_EQ(slices.sizes(), (std::vector<std::int64_t>{b, z, c}));

  const auto m = map.to(torch::kFloat64);
  const auto score_of = [&](std::int64_t bi, std::int64_t zi, std::int64_t yi, std::int64_t xi) {
    double s = bias.item<double>();
    for (std::int64_t ci = 0; ci < c; ++ci) s += weight[ci].item<double>() * m[bi][ci][zi][yi][xi].item<double>();
    return s;
  };
  // float32 sums of at most 24 terms: a few ulps of the largest value (< 5) per term.
  const double tolerance = 1e-5;
  for (std::int64_t bi = 0; bi < b; ++bi)
    for (std::int64_t ci = 0; ci < c; ++ci) {
      std::vector<double> all_values, all_scores;
      for (std::int64_t zi = 0; zi < z; ++zi) {
        std::vector<double> values, scores;
        for (std::int64_t yi = 0; yi < y; ++yi)
          for (std::int64_t xi = 0; xi < x; ++xi) {
            values.push_back(m[bi][ci][zi][yi][xi].item<double>());
            scores.push_back(score_of(bi, zi, yi, xi));
          }
        EXPECT_NEAR(slices[bi][zi][ci].item<double>(), closed_form(kind, values, scores, 3.0), tolerance) << "slice " << zi;
        all_values.insert(all_values.end(), values.begin(), values.end());
        all_scores.insert(all_scores.end(), scores.begin(), scores.end());
      }
      EXPECT_NEAR(whole[bi][ci].item<double>(), closed_form(kind, all_values, all_scores, 3.0), tolerance) << "volume " << bi;
    }
}

INSTANTIATE_TEST_SUITE_P(Kinds, PoolingKinds, ::testing::Values("mean", "max", "gem", "attention"));

TEST(Pooling, TheMeanIsTheEncodersEarlierSumsBitForBit) {
  torch::manual_seed(4);
  const auto map = torch::randn({2, 8, 3, 5, 6});
  FeaturePooling pooling("mean", 8);
  const auto both = pooling->slices_and_whole(map);
  const auto slices = map.mean({3, 4}).transpose(1, 2).contiguous();
  EXPECT_TRUE(torch::equal(both.slices, slices));
  EXPECT_TRUE(torch::equal(both.whole, slices.mean(1)));
}

TEST(Pooling, AttentionStartsAsTheMeanAndGemLearnsItsExponent) {
  torch::manual_seed(5);
  const auto map = torch::relu(torch::randn({2, 4, 3, 3, 3}));
  FeaturePooling attention("attention", 4);
  EXPECT_TRUE(torch::allclose(attention->whole(map), map.mean({2, 3, 4}), 1e-5, 1e-6));
  FeaturePooling gem("gem", 4);
  const auto parameters = gem->named_parameters();
  ASSERT_EQ(parameters.size(), 1u);
  EXPECT_EQ(parameters[0].key(), "p");
  EXPECT_EQ(parameters[0].value().item<float>(), 3.0f);
  gem->whole(map).sum().backward();
  EXPECT_TRUE(parameters[0].value().grad().defined());
  EXPECT_NE(parameters[0].value().grad().item<float>(), 0.0f);
}

TEST(Pooling, TheEmbeddedCtReadsThePooledMapsAndRefusesMoreThanTheEncoderHas) {
  auto settings = tiny_settings();  // resnet3d
  settings.encoder.pooling = "attention";
  settings.encoder.pooled_maps = 3;
  const auto shape = tiny_shape({12, 32, 32});
  auto net = build_model(settings, shape, 1);
  const auto maps = net->encoder()->map_channels();
  std::int64_t pooled_channels = 0;
  for (std::size_t k = 0; k < 3; ++k) pooled_channels += maps[maps.size() - 1 - k];
  const auto parameters = net->named_parameters();
  const auto* embed = parameters.find("encoder.embed.0.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->size(1), pooled_channels);
  for (std::int64_t k = 0; k < 3; ++k)
    EXPECT_NE(parameters.find("encoder.pool" + std::to_string(k) + ".score.weight"), nullptr) << "map " << k;

  settings.encoder.pooled_maps = static_cast<std::int64_t>(maps.size()) + 1;
  try {
    build_model(settings, shape, 1);
    FAIL() << "more pooled maps than the encoder has were accepted";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "encoder.pooled_maps");
    EXPECT_CONTAINS(std::string(e.what()), "at most " + std::to_string(maps.size()));
  }
}

}  // namespace
}  // namespace unict::model

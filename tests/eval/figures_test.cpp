#include "unict/eval/figures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "test_support.h"
#include "unict/core/seed.h"

namespace unict::eval {
namespace {

// Width and height from a PNG's IHDR chunk; {0, 0} when the file is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::filesystem::path& file) {
  const auto bytes = test::slurp(file);
  const std::string signature = "\x89PNG\r\n\x1a\n";
  if (bytes.size() < 24 || bytes.compare(0, 8, signature) != 0 || bytes.compare(12, 4, "IHDR") != 0) return {0, 0};
  auto be32 = [&](std::size_t at) {
    return (std::uint32_t(std::uint8_t(bytes[at])) << 24) | (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) | std::uint32_t(std::uint8_t(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

TEST(Figures, CurvesHaveOnePointPerDistinctThreshold) {
  // Scores 0.9 (+), 0.8 (-), 0.8 (+), 0.1 (-): thresholds 0.9, 0.8, 0.1.
  const std::vector<double> s{0.9, 0.8, 0.8, 0.1};
  const std::vector<std::uint8_t> l{1, 0, 1, 0};
  const auto roc = roc_curve(s, l);
  EXPECT_EQ(roc.x, (std::vector<double>{0, 0, 0.5, 1}));
  EXPECT_EQ(roc.y, (std::vector<double>{0, 0.5, 1, 1}));
  const auto pr = pr_curve(s, l);
  EXPECT_EQ(pr.x, (std::vector<double>{0, 0.5, 1, 1}));
  EXPECT_EQ(pr.y, (std::vector<double>{1, 1, 2.0 / 3, 0.5}));
}

TEST(Figures, EveryFigureIsAPngOfItsSize) {
  test::TempDir dir;
  ScoredCases data;
  data.classes = {"effusion", "nodule", "emphysema", "never"};
  core::Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    data.names.push_back("v" + std::to_string(i));
    for (std::size_t c = 0; c < data.classes.size(); ++c) {
      const bool positive = c < 3 && rng.bernoulli(0.3);
      data.labels.push_back(positive);
      data.scores.push_back(1 / (1 + std::exp(-(rng.normal() + (positive ? 1.0 + static_cast<double>(c) : 0)))));
    }
  }
  plot_roc_pr(data, dir / "figures" / "roc_pr.png");
  EXPECT_EQ(png_size(dir / "figures" / "roc_pr.png"), (std::pair<std::uint32_t, std::uint32_t>{1400, 650}));

  plot_attention({{0.2, 0.3, 0.5}, {0.33, 0.34, 0.33}, {0.5, 0.1, 0.4}}, {"cls", "seg", "rep"}, "task attention (mean over test volumes)",
                 dir / "attention.png");
  EXPECT_EQ(png_size(dir / "attention.png"), (std::pair<std::uint32_t, std::uint32_t>{700, 650}));

  // Panels: total loss and classification loss (training and validation on the same axes) and the
  // validation task metrics: 3 panels in 2 x 2. Epoch and learning rate get no panel.
  const auto metrics = dir.write("metrics.jsonl",
                                 "{\"step\": 1, \"epoch\": 0, \"lr\": 0.1, \"train.loss\": 2.0, \"train.cls.loss\": 0.7}\n"
                                 "{\"step\": 2, \"epoch\": 0, \"lr\": 0.1, \"train.loss\": 1.5, \"train.cls.loss\": 0.6}\n"
                                 "{\"step\": 2, \"val.loss\": 1.6, \"val.cls.loss\": 0.65, \"val.cls.auroc_macro\": 0.7}\n");
  plot_training_curves(metrics, dir / "training.png");
  EXPECT_EQ(png_size(dir / "training.png"), (std::pair<std::uint32_t, std::uint32_t>{1200, 760}));
  const auto losses_only = dir.write("losses.jsonl", "{\"step\": 1, \"epoch\": 0, \"train.loss\": 2.0}\n{\"step\": 2, \"epoch\": 0, \"train.loss\": 1.0}\n");
  plot_training_curves(losses_only, dir / "figures" / "one_panel.png");
  EXPECT_EQ(png_size(dir / "figures" / "one_panel.png"), (std::pair<std::uint32_t, std::uint32_t>{600, 380}));  // the total loss alone

  ExamplePanel panel;
  panel.height = 64;
  panel.width = 64;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      panel.slice.push_back(static_cast<float>(std::hypot(x - 32, y - 32) < 25 ? 0.3 : 0.9));
      panel.truth.push_back(std::hypot(x - 20, y - 30) < 6);
      panel.predicted.push_back(std::hypot(x - 22, y - 31) < 5);
    }
  panel.title = "train_1_a_1, slice 24";
  panel.generated_report = "A 12 mm solid nodule is seen in the right upper lobe. No pleural effusion.";
  panel.reference_report = "There is a 11 mm pulmonary nodule in the right upper lobe. No pleural effusion or thickening.";
  plot_example(panel, dir / "example.png");
  EXPECT_EQ(png_size(dir / "example.png"), (std::pair<std::uint32_t, std::uint32_t>{1400, 700}));
  // Atomic writes: no temporary file is left beside the figures.
  EXPECT_EQ(test::file_names(dir.path()), (std::vector<std::string>{"attention.png", "example.png", "figures", "losses.jsonl", "metrics.jsonl", "training.png"}));
  if (const char* keep = std::getenv("UNICT_KEEP_FIGURES")) std::filesystem::copy(dir.path(), keep, std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);

  const auto bad = dir.write("bad.jsonl", "{\"loss\": 1}\n");
  EXPECT_CONTAINS(test::error_of([&] { plot_training_curves(bad, dir / "x.png"); }), "bad.jsonl:1");
}

}  // namespace
}  // namespace unict::eval

// The intensity window against its closed form: HU in [hu_min, hu_max] maps linearly onto
// [0, 1] and is clamped outside; a uint8 level l stands for l / 255 of the window; the jitter
// scales HU around 0 HU and then shifts it. And the augmentation's source rows against the
// index arithmetic of a flip and a shift, written out by hand.
#include <algorithm>

#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/data/augmentation.h"
#include "unict/data/intensity_window.h"

namespace unict::data {
namespace {

TEST(IntensityWindow, Int16HuMapsLinearlyOntoTheWindowAndClamps) {
  const IntensityWindow window(io::DType::int16, -1000, 400);
  EXPECT_FLOAT_EQ(window(-1000), 0.0f);
  EXPECT_FLOAT_EQ(window(400), 1.0f);
  EXPECT_NEAR(window(-300), 0.5f, 1e-6);
  EXPECT_NEAR(window(0), 1000.0f / 1400.0f, 1e-6);
  EXPECT_EQ(window(-3000), 0.0f);
  EXPECT_EQ(window(3000), 1.0f);
}

TEST(IntensityWindow, Uint8LevelsAreFractionsOfTheWindowAsStoredToHuSays) {
  const IntensityWindow window(io::DType::uint8, -1000, 400);
  for (int level : {0, 1, 51, 128, 254, 255}) {
    EXPECT_NEAR(window(static_cast<float>(level)), level / 255.0, 1e-6) << level;
    EXPECT_NEAR(window(static_cast<float>(level)), (stored_to_hu(level, io::DType::uint8, -1000, 400) + 1000.0) / 1400.0, 1e-5) << level;
  }
}

TEST(IntensityWindow, JitterScalesHuAroundZeroThenShifts) {
  const IntensityJitter jitter{1.1, 20};
  const IntensityWindow hu(io::DType::int16, -1000, 400, jitter), levels(io::DType::uint8, -1000, 400, jitter);
  for (double h : {-900.0, -500.0, 0.0, 300.0}) {
    const double expected = std::clamp((h * 1.1 + 20 + 1000) / 1400, 0.0, 1.0);
    EXPECT_NEAR(hu(static_cast<float>(h)), expected, 1e-6) << h;
  }
  // Level 102 is -1000 + 102 * 1400 / 255 HU.
  const double h = -1000 + 102 * 1400.0 / 255;
  EXPECT_NEAR(levels(102), (h * 1.1 + 20 + 1000) / 1400, 1e-6);
}

TEST(IntensityWindow, ConvertsWholeVolumesVoxelByVoxel) {
  io::NdArray hu(io::DType::int16, {2, 3});
  const std::vector<std::int16_t> values{-2000, -1000, -300, 0, 400, 1000};
  std::copy(values.begin(), values.end(), hu.data<std::int16_t>());
  const IntensityWindow window(io::DType::int16, -1000, 400);
  std::vector<float> out(6);
  window.convert(hu, out.data());
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(out[i], window(values[i])) << i;
  EXPECT_CONTAINS(test::error_of([&] { window.convert(io::NdArray(io::DType::float32, {2}), out.data()); }), "float32");
}

TEST(Augmentation, NothingSwitchedOnDrawsNothing) {
  core::Rng used(7, "augment"), fresh(7, "augment");
  const Augmentation a = draw_augmentation(LoaderConfig{}, used);
  EXPECT_EQ(a.flip, (std::array<bool, 3>{}));
  EXPECT_EQ(a.shift, (std::array<std::int64_t, 3>{}));
  EXPECT_EQ(a.intensity.scale, 1.0);
  EXPECT_EQ(a.intensity.shift_hu, 0.0);
  EXPECT_EQ(used.uniform(), fresh.uniform());
}

TEST(Augmentation, DrawsFlipsThenIntensityThenShiftsWithinTheirRanges) {
  LoaderConfig config;
  config.flip_axes = {2};
  config.intensity_scale = 0.1, config.intensity_shift = 30;
  config.max_shift = {0, 2, 3};
  core::Rng rng(11, "augment"), replay(11, "augment");
  const Augmentation a = draw_augmentation(config, rng);
  // The documented order, drawn by hand.
  EXPECT_EQ(a.flip[2], replay.bernoulli(0.5));
  EXPECT_EQ(a.intensity.scale, 1.0 + replay.uniform(-0.1, 0.1));
  EXPECT_EQ(a.intensity.shift_hu, replay.uniform(-30, 30));
  EXPECT_EQ(a.shift[0], 0);
  EXPECT_EQ(a.shift[1], static_cast<std::int64_t>(replay.below(5)) - 2);
  EXPECT_EQ(a.shift[2], static_cast<std::int64_t>(replay.below(7)) - 3);
}

TEST(AugmentedGrid, RowsReadTheFlippedShiftedInput) {
  // Shape (z, y, x) = (2, 3, 5). Shift y by +1 and x by -2, flip x: output (z, y, x) reads input
  // (z, y - 1, 4 - (x + 2)) where y - 1 and x + 2 lie inside.
  Augmentation a;
  a.flip = {false, false, true};
  a.shift = {0, 1, -2};
  const AugmentedGrid grid(a, {2, 3, 5});
  EXPECT_FALSE(grid.row(0, 0).inside);  // y - 1 = -1
  for (std::int64_t z = 0; z < 2; ++z)
    for (std::int64_t y = 1; y < 3; ++y) {
      const SourceRow row = grid.row(z, y);
      ASSERT_TRUE(row.inside);
      EXPECT_EQ(row.x_first, 0);
      EXPECT_EQ(row.x_last, 3);  // x + 2 < 5
      EXPECT_EQ(row.step, -1);
      for (std::int64_t x = row.x_first; x < row.x_last; ++x)
        EXPECT_EQ(row.first + (x - row.x_first) * row.step, (z * 3 + (y - 1)) * 5 + (4 - (x + 2))) << z << y << x;
    }
  // A shift as large as the volume leaves nothing inside.
  a.shift = {0, 0, 5};
  EXPECT_FALSE(AugmentedGrid(a, {2, 3, 5}).row(0, 0).inside);
}

}  // namespace
}  // namespace unict::data

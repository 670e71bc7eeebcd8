#include "unict/eval/segmentation.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/core/seed.h"
#include "unict/io/json.h"
#include "unict/io/npy.h"

namespace unict::eval {
namespace {

Mask3d random_blobs(std::int64_t z, std::int64_t y, std::int64_t x, double density, std::uint64_t seed) {
  core::Rng rng(seed);
  Mask3d m{z, y, x, std::vector<std::uint8_t>(static_cast<std::size_t>(z * y * x), 0)};
  for (auto& v : m.voxels) v = rng.bernoulli(density) ? 1 : 0;
  return m;
}

Mask3d box(std::int64_t n, std::int64_t z0, std::int64_t z1, std::int64_t y0, std::int64_t y1, std::int64_t x0, std::int64_t x1) {
  Mask3d m{n, n, n, std::vector<std::uint8_t>(static_cast<std::size_t>(n * n * n), 0)};
  for (auto z = z0; z < z1; ++z)
    for (auto y = y0; y < y1; ++y)
      for (auto x = x0; x < x1; ++x) m.voxels[static_cast<std::size_t>((z * n + y) * n + x)] = 1;
  return m;
}

Mask3d united(const Mask3d& a, const Mask3d& b) {
  Mask3d m = a;
  for (std::size_t i = 0; i < m.size(); ++i) m.voxels[i] = a.voxels[i] || b.voxels[i];
  return m;
}

TEST(Segmentation, DiceAndComponentsMatchNumpyAndScipy) {
  // Sparse random voxels make many components that touch only by edges and corners.
  std::vector<std::pair<Mask3d, Mask3d>> cases;
  for (std::uint64_t s = 0; s < 4; ++s)
    cases.emplace_back(random_blobs(9, 13, 11, 0.12 + 0.05 * static_cast<double>(s), 2 * s + 1),
                       random_blobs(9, 13, 11, 0.15, 2 * s + 2));
  cases.emplace_back(random_blobs(4, 4, 4, 0.0, 1), random_blobs(4, 4, 4, 0.0, 2));  // both empty
  test::TempDir dir;
  auto save = [&](const Mask3d& m, const std::string& name) {
    io::NdArray a(io::DType::uint8, {m.z, m.y, m.x});
    std::copy(m.voxels.begin(), m.voxels.end(), a.data<std::uint8_t>());
    io::write_npy(dir / name, a);
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    save(cases[k].first, "mask" + std::to_string(k) + "_pred.npy");
    save(cases[k].second, "mask" + std::to_string(k) + "_truth.npy");
  }
  ASSERT_EQ(test::run_python("eval/reference/segmentation_reference.py", "'" + dir.path().string() + "' " + std::to_string(cases.size())), 0);
  const auto reference = io::read_json(dir / "reference.json");
  for (std::size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k));
    const auto d = dice(cases[k].first, cases[k].second);
    if (reference[k]["dice"].is_null()) {
      EXPECT_FALSE(d.has_value());
    } else {
      EXPECT_NEAR(*d, reference[k]["dice"].get<double>(), 1e-12);
    }
    for (const auto& [mask, name] : {std::pair{&cases[k].first, "pred"}, std::pair{&cases[k].second, "truth"}}) {
      const auto c = connected_components_26(*mask);
      EXPECT_EQ(c.count, reference[k][std::string(name) + "_components"].get<int>());
      std::vector<int> sizes(static_cast<std::size_t>(c.count), 0);
      for (auto l : c.labels)
        if (l) ++sizes[static_cast<std::size_t>(l - 1)];
      std::sort(sizes.begin(), sizes.end());
      EXPECT_EQ(sizes, reference[k][std::string(name) + "_sizes"].get<std::vector<int>>());
    }
  }
}

TEST(Segmentation, InstancesMatchOneToOneAtDiceTwoTenths) {
  const auto a = box(12, 0, 3, 0, 3, 0, 3);     // 27 voxels
  const auto b = box(12, 6, 9, 6, 9, 6, 9);     // 27 voxels, apart from a
  const auto a_half = box(12, 0, 3, 0, 3, 0, 1);  // 9 of a's voxels: Dice 18 / 36 = 0.5
  const auto a_tiny = box(12, 0, 1, 0, 1, 0, 1);  // 1 voxel: Dice 2 / 28 < 0.2
  const auto truth = united(a, b);
  auto c = match_instances(united(a_half, b), truth);
  EXPECT_EQ(c.predicted, 2);
  EXPECT_EQ(c.truth, 2);
  EXPECT_EQ(c.matched, 2);
  c = match_instances(a_tiny, truth);
  EXPECT_EQ(c.predicted, 1);
  EXPECT_EQ(c.matched, 0);
  // One predicted blob covering both truths matches at most one of them.
  const auto both = box(12, 0, 9, 0, 9, 0, 9);  // 729 voxels: Dice with a = 54 / 756 < 0.2
  EXPECT_EQ(match_instances(both, truth).matched, 0);
  const auto a_grown = box(12, 0, 4, 0, 4, 0, 4);  // 64 voxels: Dice with a 54 / 91
  c = match_instances(united(a_grown, b), truth);
  EXPECT_EQ(c.matched, 2);
  // Components touching only at a corner are one instance under 26-connectivity.
  const auto corner = united(box(4, 0, 1, 0, 1, 0, 1), box(4, 1, 2, 1, 2, 1, 2));
  EXPECT_EQ(connected_components_26(corner).count, 1);
}

}  // namespace
}  // namespace unict::eval

#include "unict/core/seed.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <gtest/gtest.h>

#include "unict/core/thread_pool.h"

namespace unict::core {
namespace {

TEST(SplitMix64, MatchesTheReferenceAlgorithmsOutputs) {
  // First outputs of SplitMix64 from state 0, as published with the algorithm.
  std::uint64_t state = 0;
  EXPECT_EQ(splitmix64_next(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64_next(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64_next(state), 0x06c45d188009454fULL);
}

TEST(DeriveSeed, IsAPureFunctionOfRootNameAndIndices) {
  EXPECT_EQ(derive_seed(42, "loader", {3, 7}), derive_seed(42, "loader", {3, 7}));
  EXPECT_NE(derive_seed(42, "loader", {3, 7}), derive_seed(43, "loader", {3, 7}));
  EXPECT_NE(derive_seed(42, "loader", {3, 7}), derive_seed(42, "augment", {3, 7}));
  EXPECT_NE(derive_seed(42, "loader", {3, 7}), derive_seed(42, "loader", {7, 3}));
  EXPECT_NE(derive_seed(42, "loader", {3}), derive_seed(42, "loader", {3, 0}));
}

TEST(DeriveSeed, GivesDistinctSeedsToManyWorkersAndEpochs) {
  std::set<std::uint64_t> seeds;
  for (std::uint64_t epoch = 0; epoch < 50; ++epoch)
    for (std::uint64_t worker = 0; worker < 64; ++worker) seeds.insert(derive_seed(1, "loader", {epoch, worker}));
  EXPECT_EQ(seeds.size(), 50u * 64u);
}

std::vector<std::uint64_t> draw(std::uint64_t root, std::uint64_t worker, int n) {
  Rng rng(root, "worker", {worker});
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(rng.next_u64());
  return out;
}

TEST(Rng, PerWorkerStreamsDoNotDependOnThreadsOrOrder) {
  constexpr std::size_t kWorkers = 8;
  std::vector<std::vector<std::uint64_t>> serial(kWorkers), threaded(kWorkers);
  for (std::size_t w = 0; w < kWorkers; ++w) serial[w] = draw(2024, w, 1000);
  ThreadPool pool(4);
  pool.parallel_for(kWorkers, [&](std::size_t i) {
    const std::size_t w = kWorkers - 1 - i;  // created in the opposite order, concurrently
    threaded[w] = draw(2024, w, 1000);
  });
  EXPECT_EQ(serial, threaded);
  EXPECT_NE(serial[0], serial[1]);
}

TEST(Rng, UniformUsesTheTop53BitsOfTheStandardEngine) {
  Rng rng(99);
  std::mt19937_64 reference(99);  // std::mt19937_64 is fully specified by the C++ standard
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.uniform(), std::ldexp(static_cast<double>(reference() >> 11), -53));
}

TEST(Rng, DistributionsHaveTheirExpectedMoments) {
  Rng rng(7, "moments");
  constexpr int n = 200000;
  double sum_u = 0, sum_z = 0, sum_z2 = 0;
  std::vector<int> counts(6, 0);
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum_u += u;
    const double z = rng.normal();
    sum_z += z;
    sum_z2 += z * z;
    const auto k = rng.below(6);
    ASSERT_LT(k, 6u);
    ++counts[k];
  }
  // Tolerances: about 5 standard errors of each estimate.
  EXPECT_NEAR(sum_u / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(sum_z / n, 0.0, 5 * std::sqrt(1.0 / n));
  EXPECT_NEAR(sum_z2 / n, 1.0, 5 * std::sqrt(2.0 / n));
  for (int c : counts) EXPECT_NEAR(c, n / 6.0, 5 * std::sqrt(n * (1 / 6.0) * (5 / 6.0)));
}

TEST(Rng, ShuffleDrawsEveryPermutationEquallyOften) {
  // Closed form: each of the 3! orders of {0, 1, 2} has probability 1/6.
  Rng rng(11, "shuffle");
  constexpr int n = 60000;
  std::map<std::vector<int>, int> counts;
  for (int i = 0; i < n; ++i) {
    std::vector<int> items{0, 1, 2};
    rng.shuffle(items);
    ++counts[items];
  }
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [order, count] : counts) EXPECT_NEAR(count, n / 6.0, 5 * std::sqrt(n * (1 / 6.0) * (5 / 6.0)));
}

TEST(Rng, ShuffleIsAPermutationFixedByTheSeed) {
  std::vector<int> a(50), b(50);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 0);
  Rng first(5, "order"), second(5, "order");
  first.shuffle(a);
  second.shuffle(b);
  EXPECT_EQ(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(a, identity);
  std::vector<int> empty;
  first.shuffle(empty);  // no draw, no crash
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace unict::core

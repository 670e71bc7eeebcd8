#include "unict/data/loader.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data_fixture.h"
#include "test_support.h"
#include "unict/core/error.h"
#include "unict/data/cache_item.h"
#include "unict/data/prepare.h"
#include "unict/data/synthetic.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;

class Loader : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    write_synthetic_dataset(dir_->path() / "s", test::small_synthetic(7, 12, {24, 40, 40}));
    const DataConfig d = test::synthetic_data_config(dir_->path() / "s");
    const PreprocessConfig p = test::small_preprocess({12.0, 10.0, 10.0}, {20, 32, 32});
    const SampleSet samples = rexgrounding_samples(d, load_label_set(d.label_set));
    folder_ = new fs::path(prepare_cache(samples, p, cache_settings(samples, p, d, training_dataset()), {dir_->path() / "cache", "rexgroundingct", "fail", 2}).folder);
  }
  static void TearDownTestSuite() {
    delete folder_;
    delete dir_;
  }
  static LoaderConfig plain(std::int64_t workers) {
    LoaderConfig c;
    c.workers = workers;
    c.prefetch = 2;
    c.shuffle = true;
    c.max_shift = {0, 0, 0};
    return c;
  }
  static std::vector<Batch> epoch(BatchLoader& loader, std::int64_t e) {
    loader.start_epoch(e);
    std::vector<Batch> out;
    while (auto b = loader.next()) out.push_back(std::move(*b));
    return out;
  }
  static test::TempDir* dir_;
  static fs::path* folder_;
};
test::TempDir* Loader::dir_ = nullptr;
fs::path* Loader::folder_ = nullptr;

void expect_same(const std::vector<Batch>& a, const std::vector<Batch>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].names, b[i].names) << what << " batch " << i;
    EXPECT_TRUE(torch::equal(a[i].ct, b[i].ct)) << what << " batch " << i;
    EXPECT_TRUE(torch::equal(a[i].masks, b[i].masks)) << what << " batch " << i;
    EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels)) << what << " batch " << i;
  }
}

TEST_F(Loader, BatchesAreTheSameWhateverTheNumberOfWorkers) {
  const auto items = cache_items(*folder_);
  ASSERT_GT(items.size(), 6u);
  LoaderConfig augmenting = plain(0);
  augmenting.flip_axes = {0, 2};
  augmenting.intensity_scale = 0.1;
  augmenting.intensity_shift = 30;
  augmenting.max_shift = {2, 3, 3};
  std::vector<std::vector<Batch>> runs;
  for (std::int64_t workers : {0, 1, 3}) {
    augmenting.workers = workers;
    BatchLoader loader(items, 3, augmenting, 99);
    auto e0 = epoch(loader, 0);
    auto e1 = epoch(loader, 1);
    runs.push_back(std::move(e0));
    runs.push_back(std::move(e1));
  }
  expect_same(runs[0], runs[2], "epoch 0, 0 vs 1 workers");
  expect_same(runs[0], runs[4], "epoch 0, 0 vs 3 workers");
  expect_same(runs[1], runs[5], "epoch 1, 0 vs 3 workers");
  EXPECT_NE(runs[0][0].names, runs[1][0].names);  // each epoch has its own order
}

TEST_F(Loader, ShardsInterleaveTheSingleProcessBatchesWithTheSameAugmentation) {
  auto items = cache_items(*folder_);
  ASSERT_GE(items.size(), 7u);
  items.resize(7);  // a global batch of 3 x 2 ranks, and one volume left: rank 1's last share is empty
  LoaderConfig augmenting = plain(1);
  augmenting.flip_axes = {2};
  augmenting.intensity_scale = 0.1;
  augmenting.max_shift = {2, 3, 3};
  BatchLoader whole(items, 6, augmenting, 21);
  BatchLoader rank0(items, 3, augmenting, 21, "cpu", {}, {0, 2}), rank1(items, 3, augmenting, 21, "cpu", {}, {1, 2});
  EXPECT_EQ(rank0.batches_per_epoch(), whole.batches_per_epoch());
  EXPECT_EQ(rank1.batches_per_epoch(), 2);
  const auto w = epoch(whole, 4), a = epoch(rank0, 4), b = epoch(rank1, 4);
  ASSERT_EQ(w.size(), 2u);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (std::size_t i = 0; i < w.size(); ++i) {
    // Rank r holds rows r, r + 2, ... of the single-process batch, augmented the same way.
    for (std::size_t row = 0; row < w[i].names.size(); ++row) {
      const Batch& share = row % 2 == 0 ? a[i] : b[i];
      const auto k = static_cast<std::int64_t>(row / 2);
      ASSERT_LT(static_cast<std::size_t>(k), share.names.size()) << "batch " << i << " row " << row;
      EXPECT_EQ(share.names[static_cast<std::size_t>(k)], w[i].names[row]);
      EXPECT_TRUE(torch::equal(share.ct[k], w[i].ct[static_cast<std::int64_t>(row)])) << "batch " << i << " row " << row;
      EXPECT_TRUE(torch::equal(share.masks[k], w[i].masks[static_cast<std::int64_t>(row)])) << "batch " << i << " row " << row;
    }
    EXPECT_EQ(a[i].names.size() + b[i].names.size(), w[i].names.size());
  }
  EXPECT_EQ(w[1].names.size(), 1u);
  EXPECT_TRUE(b[1].names.empty());  // the last global batch has one volume: rank 1 gets none
  EXPECT_FALSE(b[1].ct.defined());
}

TEST_F(Loader, EveryItemAppearsOncePerEpochWithItsLabelsAndReport) {
  const auto items = cache_items(*folder_);
  BatchLoader loader(items, 4, plain(2), 5);
  const auto batches = epoch(loader, 3);
  EXPECT_EQ(static_cast<std::int64_t>(batches.size()), loader.batches_per_epoch());
  std::vector<std::string> seen;
  for (const auto& b : batches) {
    EXPECT_EQ(b.ct.sizes(), (std::vector<std::int64_t>{static_cast<std::int64_t>(b.names.size()), 1, 20, 32, 32}));
    EXPECT_EQ(b.masks.size(1), 10);
    for (std::size_t i = 0; i < b.names.size(); ++i) {
      seen.push_back(b.names[i]);
      const CacheItem item = read_cache_item(*folder_ / "items" / (b.names[i] + ".uct"));
      const auto& labels = item.header.labels;
      ASSERT_EQ(b.labels.size(1), static_cast<std::int64_t>(labels.size()));
      for (std::size_t c = 0; c < labels.size(); ++c)
        EXPECT_EQ(b.labels[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(c)].item<float>(), static_cast<float>(labels[c]));
      EXPECT_EQ(b.reports[i], item.header.report);
      EXPECT_EQ(b.label_classes, item.header.classes);
    }
  }
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> all;
  for (const auto& item : items) all.push_back(item.name);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(seen, all);
}

TEST_F(Loader, WithoutAugmentationTheCtIsTheStoredWindowScaledToUnitRange) {
  const auto items = cache_items(*folder_);
  LoaderConfig c = plain(1);
  c.shuffle = false;
  BatchLoader loader(items, 1, c, 1);
  loader.start_epoch(0);
  const Batch b = *loader.next();
  EXPECT_EQ(b.names[0], items[0].name);  // no shuffle: manifest order
  const CacheItem item = read_cache_item(items[0].file);
  const float* ct = b.ct.data_ptr<float>();
  // float32 arithmetic (v * gain + offset): within 1e-6 of the exact value in [0, 1].
  for (std::size_t i = 0; i < item.ct.size(); i += 7) EXPECT_NEAR(ct[i], (item.ct.value_at(i) + 1000.0) / 2000.0, 1e-6);
  const float* masks = b.masks.data_ptr<float>();
  for (std::size_t k = 0; k < item.masks.size(); ++k)
    for (std::size_t i = 0; i < item.ct.size(); i += 5) EXPECT_EQ(masks[k * item.ct.size() + i], item.masks[k][i]);
}

TEST_F(Loader, FlipsMoveCtAndMasksTogether) {
  const auto items = cache_items(*folder_);
  LoaderConfig c = plain(0);
  c.shuffle = false;
  c.flip_axes = {2};
  BatchLoader loader(items, 1, c, 4);
  loader.start_epoch(0);
  std::size_t flipped = 0, kept = 0;
  while (auto b = loader.next()) {
    const CacheItem item = read_cache_item(*folder_ / "items" / (b->names[0] + ".uct"));
    auto original = torch::from_blob(const_cast<std::uint8_t*>(item.ct.bytes.data()), {20, 32, 32}, torch::kInt16).to(torch::kFloat32).add(1000).div(2000);
    const auto ct = b->ct[0][0];
    if (torch::allclose(ct, original, 1e-5, 1e-6)) {  // float32 scaling: within 1e-6
      ++kept;
    } else {
      EXPECT_TRUE(torch::allclose(ct, original.flip({2}), 1e-5, 1e-6)) << b->names[0] << ": differs from the original by "
                                                           << (ct - original).abs().max().item<float>() << ", from the flipped by "
                                                           << (ct - original.flip({2})).abs().max().item<float>();
      ++flipped;
      // The mask of a class follows the CT through the flip.
      for (std::size_t k = 0; k < item.masks.size(); ++k) {
        auto m = torch::from_blob(const_cast<std::uint8_t*>(item.masks[k].data()), {20, 32, 32}, torch::kUInt8).to(torch::kFloat32);
        EXPECT_TRUE(torch::equal(b->masks[0][static_cast<std::int64_t>(k)], m.flip({2})));
      }
    }
  }
  EXPECT_GT(flipped, 0u);
  EXPECT_GT(kept, 0u);
}

TEST_F(Loader, AMissingItemIsAnErrorOnTheConsumerSide) {
  auto items = cache_items(*folder_);
  items[1].file = *folder_ / "items" / "missing.uct";
  LoaderConfig c = plain(2);
  c.shuffle = false;
  BatchLoader loader(items, 1, c, 1);
  loader.start_epoch(0);
  EXPECT_NO_THROW(loader.next());
  EXPECT_THROW(loader.next(), Error);
}

}  // namespace
}  // namespace unict::data

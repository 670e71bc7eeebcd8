#include "unict/data/prepare.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "data_fixture.h"
#include "test_support.h"
#include "unict/core/error.h"
#include "unict/core/seed.h"
#include "unict/data/cache_item.h"
#include "unict/data/synthetic.h"
#include "unict/io/json.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;

TEST(CacheItem, BitPackingRoundTrips) {
  core::Rng rng(3);
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 1000u}) {
    std::vector<std::uint8_t> values(n);
    for (auto& v : values) v = rng.bernoulli(0.3) ? 1 : 0;
    EXPECT_EQ(unpack_bits(pack_bits(values).data(), n), values);
  }
}

class Prepare : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    write_synthetic_dataset(dir_->path() / "s", test::small_synthetic(6, 8, {24, 40, 40}));
  }
  static void TearDownTestSuite() { delete dir_; }

  static DataConfig data_config(const fs::path& root) { return test::synthetic_data_config(root); }
  static PreprocessConfig preprocess_config() { return test::small_preprocess({10.0, 8.0, 8.0}, {28, 40, 40}); }
  static PrepareResult run(const DataConfig& data, const PreprocessConfig& p, const fs::path& cache, std::size_t threads, const std::string& on_error = "fail") {
    const LabelSet labels = load_label_set(data.label_set);
    DataConfig d = data;
    d.on_error = on_error;
    const SampleSet samples = rexgrounding_samples(d, labels);
    PrepareOptions o{cache, "rexgroundingct", on_error, threads};
    return prepare_cache(samples, p, cache_settings(samples, p, d, training_dataset()), o);
  }
  static test::TempDir* dir_;
};
test::TempDir* Prepare::dir_ = nullptr;

TEST_F(Prepare, WritesEveryItemOnceAndReusesThemOnARerun) {
  test::TempDir cache;
  const DataConfig data = data_config(dir_->path() / "s");
  const PrepareResult first = run(data, preprocess_config(), cache.path(), 2);
  EXPECT_GT(first.prepared, 3u);
  EXPECT_EQ(first.reused, 0u);
  const auto items = first.folder / "items";
  const auto stamp = fs::last_write_time(*fs::directory_iterator(items));
  const PrepareResult second = run(data, preprocess_config(), cache.path(), 2);
  EXPECT_EQ(second.folder, first.folder);
  EXPECT_EQ(second.prepared, 0u);
  EXPECT_EQ(second.reused, first.prepared);
  EXPECT_EQ(fs::last_write_time(*fs::directory_iterator(items)), stamp);
  for (const auto& name : test::file_names(items)) EXPECT_EQ(name.rfind(".tmp-", 0), std::string::npos) << name;
  const auto manifest = io::read_json(first.folder / "manifest.json");
  EXPECT_EQ(manifest["items"].size(), first.prepared);
}

TEST_F(Prepare, ChangingAPreprocessingKeyNeverReusesStaleItems) {
  test::TempDir cache;
  const DataConfig data = data_config(dir_->path() / "s");
  PreprocessConfig p = preprocess_config();
  const auto a = run(data, p, cache.path(), 1);
  p.mask_threshold = 0.4;
  const auto b = run(data, p, cache.path(), 1);
  EXPECT_NE(a.folder, b.folder);
  EXPECT_EQ(b.reused, 0u);
  p.mask_threshold = 0.5;
  EXPECT_EQ(run(data, p, cache.path(), 1).folder, a.folder);
}

TEST_F(Prepare, ItemsDoNotDependOnTheNumberOfThreadsAndNumpyReadsThem) {
  test::TempDir one, two;
  const DataConfig data = data_config(dir_->path() / "s");
  const auto a = run(data, preprocess_config(), one.path(), 1);
  const auto b = run(data, preprocess_config(), two.path(), 2);
  const auto names = test::file_names(a.folder / "items");
  ASSERT_EQ(names, test::file_names(b.folder / "items"));
  for (const auto& name : names) EXPECT_EQ(test::slurp(a.folder / "items" / name), test::slurp(b.folder / "items" / name)) << name;

  const auto file = a.folder / "items" / names.front();
  const CacheItem item = read_cache_item(file);
  ASSERT_EQ(test::run_python("data/reference/read_cache_item.py", file.string() + " > " + (one / "item.json").string()), 0);
  const auto seen = io::read_json(one / "item.json");
  double sum = 0;
  for (std::size_t i = 0; i < item.ct.size(); ++i) sum += item.ct.value_at(i);
  EXPECT_EQ(seen["sum"].get<double>(), sum);
  EXPECT_EQ(seen["name"], item.header.name);
  ASSERT_EQ(seen["mask_voxels"].size(), item.masks.size());
  for (std::size_t c = 0; c < item.masks.size(); ++c)
    EXPECT_EQ(seen["mask_voxels"][c].get<long>(), std::count(item.masks[c].begin(), item.masks[c].end(), 1));
}

TEST_F(Prepare, ABrokenVolumeFailsTheRunOrIsSkippedAndReported) {
  test::TempDir copy, cache;
  fs::copy(dir_->path() / "s", copy / "s", fs::copy_options::recursive);
  const DataConfig data = data_config(copy / "s");
  const LabelSet labels = load_label_set(data.label_set);
  const Sample victim = rexgrounding_samples(data, labels).samples.front();
  const std::string whole = test::slurp(victim.ct.file);
  copy.write(fs::relative(victim.ct.file, copy.path()).string(), whole.substr(0, whole.size() / 2));  // truncated download
  try {
    run(data, preprocess_config(), cache.path(), 2, "fail");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(victim.ct.file.string()), std::string::npos) << e.what();
  }
  const auto result = run(data, preprocess_config(), cache.path(), 2, "skip");
  const auto report = io::read_json(result.report);
  bool listed = false;
  for (const auto& s : report["skipped"]) listed = listed || s["name"] == victim.name;
  EXPECT_TRUE(listed);
  EXPECT_FALSE(fs::exists(result.folder / "items" / (victim.name + ".uct")));
  for (const auto& name : test::file_names(result.folder / "items")) EXPECT_EQ(name.rfind(".tmp-", 0), std::string::npos) << name;
}

TEST_F(Prepare, ATruncatedItemIsAnErrorNamingIt) {
  test::TempDir cache;
  const auto result = run(data_config(dir_->path() / "s"), preprocess_config(), cache.path(), 2);
  const auto file = result.folder / "items" / test::file_names(result.folder / "items").front();
  const std::string bytes = test::slurp(file);
  cache.write("short.uct", bytes.substr(0, bytes.size() - 10));
  EXPECT_THROW(read_cache_item(cache / "short.uct"), Error);
  EXPECT_THROW(read_cache_item(cache.write("not.uct", "hello")), Error);
}

// One flipped bit anywhere after the prefix (header or voxels) is caught by the item's checksum:
// the item is named and refused, and `unict prepare` writes it anew.
TEST_F(Prepare, AnItemWithOneFlippedByteIsNamedAndRefusedAndPreparedAgain) {
  test::TempDir cache;
  const auto data = data_config(dir_->path() / "s");
  const auto result = run(data, preprocess_config(), cache.path(), 2);
  const auto file = result.folder / "items" / test::file_names(result.folder / "items").front();
  const std::string bytes = test::slurp(file);
  for (const std::size_t at : {std::size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    cache.write(fs::relative(file, cache.path()).string(), damaged);
    EXPECT_CONTAINS(test::error_of([&] { read_cache_item(file); }), file.string() + ": damaged cache item: its checksum does not match") << at;
  }
  const auto again = run(data, preprocess_config(), cache.path(), 2);
  EXPECT_EQ(again.prepared, 1u);
  EXPECT_EQ(test::slurp(file), bytes);
}

// Classes that no prepared volume is positive for are named in the report, per source split.
TEST_F(Prepare, TheReportNamesTheClassesWithoutAPositivePerSplit) {
  test::TempDir cache;
  const auto data = data_config(dir_->path() / "s");
  const LabelSet labels = load_label_set(data.label_set);
  const SampleSet samples = rexgrounding_samples(data, labels);
  const auto result = run(data, preprocess_config(), cache.path(), 2);
  const auto report = io::read_json(result.report)["classes_without_positives"];
  std::map<std::string, std::vector<std::string>> expected;
  for (const std::string split : {"train", "val", "test", "all"}) {
    for (std::size_t c = 0; c < samples.class_names.size(); ++c) {
      bool any_volume = false, positive = false;
      for (const auto& s : samples.samples)
        if (split == "all" || s.source_split == split) {
          any_volume = true;
          positive = positive || s.labels[c];
        }
      if (any_volume && !positive) expected[split].push_back(samples.class_names[c]);
    }
  }
  EXPECT_EQ(report, nlohmann::json(expected));
}

}  // namespace
}  // namespace unict::data

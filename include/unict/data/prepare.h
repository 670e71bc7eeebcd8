// The preprocessed cache: `unict prepare` preprocesses every sample once, in parallel, into
//   <data.cache_dir>/<key>/items/<volume>.uct     one file per sample (cache_item.h), written atomically
//   <data.cache_dir>/<key>/settings.json          what the key covers
//   <data.cache_dir>/<key>/manifest.json          the finished items, with labels and reports
//   <data.cache_dir>/<key>/prepare_report.json    the items left out and why, the classes without a positive per split
// The key is a hash of everything that changes an item (preprocessing settings, label set, data
// set and report source, format version): changing any of them starts a new folder, so stale
// items are never used. A rerun skips finished items.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/data/dataset_registry.h"
#include "unict/data/preprocess.h"

namespace unict::data {

struct PrepareOptions {
  std::filesystem::path cache_root;
  std::string dataset;   // the data set's id (dataset_registry.h): the cache folder's prefix
  std::string on_error;  // fail or skip
  std::size_t threads = 0;
};

struct PrepareResult {
  std::filesystem::path folder;
  std::size_t prepared = 0, reused = 0, skipped = 0;
  std::filesystem::path report;
  // Per source split (and "all"), the classes no prepared volume is positive for.
  std::map<std::string, std::vector<std::string>> classes_without_positives;
};

// What the cache key covers; its hash names the folder.
nlohmann::json cache_settings(const SampleSet& samples, const PreprocessConfig& config, const DataConfig& data, const DatasetSpec& dataset);
std::string cache_key(const nlohmann::json& settings);

PrepareResult prepare_cache(const SampleSet& samples, const PreprocessConfig& config, const nlohmann::json& settings,
                            const PrepareOptions& options);

}  // namespace unict::data

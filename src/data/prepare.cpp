#include "unict/data/prepare.h"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/core/progress.h"
#include "unict/core/seed.h"
#include "unict/core/thread_pool.h"
#include "unict/data/cache_item.h"
#include "unict/io/json.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;

// Per source split of the items kept (and "all"), the classes none of its volumes is positive
// for: they cannot be scored there, and a label mapping gone wrong looks like this.
std::map<std::string, std::vector<std::string>> classes_without_positives(const SampleSet& samples, const std::vector<std::uint8_t>& kept) {
  std::map<std::string, std::vector<std::size_t>> positives;
  for (std::size_t i = 0; i < samples.samples.size(); ++i) {
    if (!kept[i]) continue;
    const Sample& s = samples.samples[i];
    for (const std::string& split : {s.source_split, std::string("all")}) {
      auto& counts = positives[split];
      counts.resize(samples.class_names.size(), 0);
      for (std::size_t c = 0; c < s.labels.size() && c < counts.size(); ++c) counts[c] += s.labels[c] ? 1 : 0;
    }
  }
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [split, counts] : positives)
    for (std::size_t c = 0; c < counts.size(); ++c)
      if (counts[c] == 0) out[split].push_back(samples.class_names[c]);
  return out;
}

}  // namespace

nlohmann::json cache_settings(const SampleSet& samples, const PreprocessConfig& c, const DataConfig& data, const DatasetSpec& dataset) {
  nlohmann::json s;
  s["format"] = kCacheItemFormat;
  s["dataset"] = dataset.id;
  s["preprocess"] = {{"spacing", c.spacing}, {"size", c.size}, {"hu_min", c.hu_min}, {"hu_max", c.hu_max},
                     {"padding_below", c.padding_below}, {"pad_hu", c.pad_hu}, {"mask_threshold", c.mask_threshold}, {"storage", c.storage}};
  s["classes"] = samples.class_names;
  s["label_set"] = core::read_file(data.label_set);
  s["data"] = dataset.source_settings(data);
  return s;
}

std::string cache_key(const nlohmann::json& settings) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(core::fnv1a64(settings.dump())));
  return text;
}

PrepareResult prepare_cache(const SampleSet& samples, const PreprocessConfig& config, const nlohmann::json& settings,
                            const PrepareOptions& options) {
  PrepareResult result;
  result.folder = options.cache_root / (options.dataset + "-" + cache_key(settings));
  const fs::path items = result.folder / "items";
  fs::create_directories(items);
  io::write_json(result.folder / "settings.json", settings);

  std::vector<SkippedItem> skipped = samples.skipped;
  std::vector<std::uint8_t> ok(samples.samples.size(), 0);  // bytes, not vector<bool>: workers set different entries at once
  std::mutex mutex;
  std::atomic<std::size_t> prepared{0}, reused{0};
  core::ThreadPool pool(options.threads);
  {
    core::Progress progress("prepare", samples.samples.size());
    pool.parallel_for(samples.samples.size(), [&](std::size_t i) {
      const Sample& sample = samples.samples[i];
      const fs::path file = items / (sample.name + ".uct");
      if (fs::exists(file)) {  // written atomically: if it is there, it was complete
        try {
          map_cache_item(file);  // verifies its checksum once in this process
          ok[i] = 1;
          ++reused;
          progress.advance();
          return;
        } catch (const Error& e) {
          spdlog::warn("{}: {}; preparing it again", file.string(), e.reason());
        }
      }
      std::optional<PreparedVolume> volume;
      try {
        volume = preprocess_sample(sample, samples.class_names.size(), config, nullptr);
      } catch (const Error& e) {
        if (options.on_error == "fail") throw;
        std::lock_guard<std::mutex> lock(mutex);
        skipped.push_back({sample.name, e.what()});
        spdlog::warn("skipped {}: {}", sample.name, e.what());
      }
      if (volume) {
        // Outside data.on_error: a write that fails (a full disk) is the machine's fault, not the
        // volume's, and stops the run instead of leaving the volume out.
        write_cache_item(file, sample, samples.class_names, *volume, config);
        ok[i] = 1;
        ++prepared;
      }
      progress.advance();
    });
  }

  nlohmann::json manifest;
  manifest["settings"] = settings;
  manifest["items"] = nlohmann::json::array();
  for (std::size_t i = 0; i < samples.samples.size(); ++i) {
    if (!ok[i]) continue;
    const Sample& s = samples.samples[i];
    manifest["items"].push_back({{"name", s.name}, {"patient", s.patient}, {"file", "items/" + s.name + ".uct"}, {"labels", s.labels},
                                 {"has_mask", !s.mask_file.empty()}, {"source_split", s.source_split}});
  }
  io::write_json(result.folder / "manifest.json", manifest, 1);
  nlohmann::json report = nlohmann::json::array();
  for (const auto& s : skipped) report.push_back({{"name", s.name}, {"reason", s.reason}});
  result.classes_without_positives = classes_without_positives(samples, ok);
  result.report = result.folder / "prepare_report.json";
  nlohmann::json without_masks = nlohmann::json::array();
  for (const auto& s : samples.without_masks) without_masks.push_back({{"name", s.name}, {"reason", s.reason}});
  io::write_json(result.report,
                 {{"skipped", report}, {"without_mask", without_masks}, {"classes_without_positives", result.classes_without_positives}});
  result.prepared = prepared;
  result.reused = reused;
  result.skipped = skipped.size();
  spdlog::info("prepare: {} prepared, {} already in the cache, {} left out (see {})", result.prepared, result.reused, result.skipped,
               result.report.string());
  if (!samples.without_masks.empty())
    spdlog::info("prepare: {} volume(s) without a mask, used for classification and reports only (\"without_mask\" in {})",
                 samples.without_masks.size(), result.report.string());
  // The entries left out are listed when the cache is made; a call that only reuses it (every fold
  // of a cross-validation) lists them at debug level, so that they are said once.
  const auto level = prepared > 0 ? spdlog::level::info : spdlog::level::debug;
  constexpr std::size_t kListed = 5;
  for (std::size_t i = 0; i < skipped.size() && i < kListed; ++i) spdlog::log(level, "  left out {}: {}", skipped[i].name, skipped[i].reason);
  if (skipped.size() > kListed) spdlog::log(level, "  ... and {} more in the report", skipped.size() - kListed);
  for (const auto& [split, classes] : result.classes_without_positives)
    spdlog::log(prepared > 0 ? spdlog::level::warn : spdlog::level::debug, "prepare: no volume of split '{}' is positive for {}", split,
                nlohmann::json(classes).dump());
  return result;
}

}  // namespace unict::data

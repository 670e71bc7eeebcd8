#include "unict/data/rexgrounding.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/data/ctrate.h"
#include "unict/io/json.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Finding keys are mask-channel indices: "0", "1", ..., "10" (sorted as integers, not strings).
std::vector<std::pair<int, std::string>> sorted_keys(const json& findings, const std::string& where) {
  std::vector<std::pair<int, std::string>> keys;
  for (const auto& [key, value] : findings.items()) {
    int index = -1;
    try {
      std::size_t used = 0;
      index = std::stoi(key, &used);
      if (used != key.size()) index = -1;
    } catch (const std::exception&) {
    }
    if (index < 0) throw Error("finding key is not a non-negative integer").file(where).value(key);
    if (!value.is_string()) throw Error("finding text is not a string").file(where).value(key);
    keys.emplace_back(index, key);
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i].first != static_cast<int>(i)) throw Error("finding keys are not 0..n-1").file(where).value(keys[i].second);
  return keys;
}

// categories / pixels / entity_counts: a dict keyed like findings, or a list in key order.
const json* per_finding(const json& field, const std::string& key, std::size_t position, std::size_t count, const std::string& where,
                        const char* name) {
  if (field.is_object()) {
    auto it = field.find(key);
    if (it == field.end()) throw Error(std::string(name) + " lacks finding '" + key + "'").file(where);
    return &*it;
  }
  if (field.is_array()) {
    if (field.size() != count) throw Error(std::string(name) + " has " + std::to_string(field.size()) + " items").file(where).expected(std::to_string(count) + ", one per finding");
    return &field[position];
  }
  throw Error(std::string(name) + " is neither a mapping nor a list").file(where);
}

}  // namespace

std::vector<RexEntry> load_rexgrounding(const fs::path& root, const std::string& json_name) {
  const fs::path file = root / json_name;
  const json dataset = io::read_json(file);
  if (!dataset.is_object()) throw Error("expected a mapping of splits (train, val, test)").file(file.string());
  std::vector<RexEntry> entries;
  for (const auto& [split, list] : dataset.items()) {
    if (!list.is_array()) throw Error("split is not a list of entries").file(file.string()).value(split);
    for (std::size_t n = 0; n < list.size(); ++n) {
      const json& e = list[n];
      const std::string where = file.string() + " (" + split + "[" + std::to_string(n) + "])";
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) throw Error("entry without a name").file(where);
      RexEntry entry;
      entry.name = strip_nifti_extension(e["name"].get<std::string>());
      entry.split = split;
      const std::string at = file.string() + " (" + entry.name + ")";
      if (!e.contains("findings") || !e["findings"].is_object()) throw Error("entry without findings").file(at);
      const auto keys = sorted_keys(e["findings"], at);
      for (std::size_t i = 0; i < keys.size(); ++i) {
        RexFinding f;
        f.text = e["findings"][keys[i].second].get<std::string>();
        if (e.contains("categories")) {
          const json* code = per_finding(e["categories"], keys[i].second, i, keys.size(), at, "categories");
          if (!code->is_string()) throw Error("category is not a string").file(at).value(code->dump());
          f.code = code->get<std::string>();
        }
        if (e.contains("pixels")) f.pixels = per_finding(e["pixels"], keys[i].second, i, keys.size(), at, "pixels")->get<std::int64_t>();
        if (e.contains("entity_counts"))
          f.entities = per_finding(e["entity_counts"], keys[i].second, i, keys.size(), at, "entity_counts")->get<std::int64_t>();
        entry.findings.push_back(std::move(f));
      }
      if (e.contains("shape")) entry.shape = e["shape"].get<std::vector<std::int64_t>>();
      const fs::path mask = root / "segmentations" / (entry.name + ".nii.gz");
      if (fs::exists(mask)) entry.mask_file = mask;
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

}  // namespace unict::data

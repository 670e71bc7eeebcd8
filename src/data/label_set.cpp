#include "unict/data/label_set.h"

#include <algorithm>
#include <set>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/core/string_distance.h"
#include "unict/core/yaml_reader.h"

namespace unict::data {
namespace {

// ReXGroundingCT's category codes (shared/docs/datasets.md): a code outside them is a typo.
const std::vector<std::string> kReXGroundingCategories = {"1a", "1b", "1c", "1d", "1e", "1f", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "2h"};

}  // namespace

std::vector<std::string> LabelSet::names() const {
  std::vector<std::string> out;
  for (const auto& c : classes) out.push_back(c.name);
  return out;
}

std::optional<std::size_t> LabelSet::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (classes[i].name == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> LabelSet::class_of_code(const std::string& code) const {
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const auto& codes = classes[i].rexgrounding_codes;
    if (std::find(codes.begin(), codes.end(), code) != codes.end()) return i;
  }
  return std::nullopt;
}

std::vector<LabelSet::ExternalClass> LabelSet::radchestct_classes() const {
  std::vector<ExternalClass> out;
  std::vector<bool> merged(classes.size(), false);
  for (const auto& m : radchestct_merges)
    for (auto i : m.members) merged[i] = true;
  std::vector<bool> emitted_merge(radchestct_merges.size(), false);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (!merged[i]) {
      out.push_back({classes[i].name, {i}, MergeRule::max});
      continue;
    }
    for (std::size_t m = 0; m < radchestct_merges.size(); ++m) {
      const auto& members = radchestct_merges[m].members;
      if (!emitted_merge[m] && std::find(members.begin(), members.end(), i) != members.end()) {
        out.push_back({radchestct_merges[m].name, members, radchestct_merges[m].combine});
        emitted_merge[m] = true;
      }
    }
  }
  return out;
}

LabelSet load_label_set(const std::filesystem::path& path) {
  const auto root = core::YamlNode::load_file(path);
  root.expect_keys({"classes", "radchestct_merges"}, "a label set");
  const auto classes = root.required("classes").items();
  if (classes.empty()) throw root["classes"].error("a label set needs at least one class");

  LabelSet set;
  set.file = path.string();
  std::set<std::string> names, codes;
  for (const auto& node : classes) {
    node.expect_keys({"name", "display", "rexgrounding", "radchestct"}, "a class");
    LabelClass c;
    c.name = node.required("name").as_string();
    c.display = node.has("display") ? node["display"].as_string() : c.name;
    c.rexgrounding_codes = node["rexgrounding"].string_list();
    c.radchestct_names = node["radchestct"].string_list();
    if (!names.insert(c.name).second) throw node["name"].error("class name given twice").value(c.name);
    for (const auto& code : c.rexgrounding_codes) {
      if (std::find(kReXGroundingCategories.begin(), kReXGroundingCategories.end(), code) == kReXGroundingCategories.end()) {
        Error error = node["rexgrounding"].error("not a ReXGroundingCT category code");
        error.value(code);
        if (const auto near = core::nearest_word(code, kReXGroundingCategories)) error.hint("did you mean '" + *near + "'?");
        else error.expected("one of 1a-1f, 2a-2h");
        throw error;
      }
      if (!codes.insert(code).second) throw node["rexgrounding"].error("ReXGroundingCT code assigned to two classes").value(code);
    }
    set.classes.push_back(std::move(c));
  }

  std::set<std::size_t> used;
  for (const auto& node : root["radchestct_merges"].items()) {
    node.expect_keys({"name", "members", "combine"}, "a merge");
    RadChestMerge m;
    m.name = node.required("name").as_string();
    for (const auto& member : node.required("members").string_list()) {
      const auto index = set.index_of(member);
      if (!index) throw node["members"].error("merge member is not a class").value(member);
      if (!used.insert(*index).second) throw node["members"].error("class is a member of two merges").value(member);
      m.members.push_back(*index);
    }
    if (m.members.size() < 2) throw node["members"].error("a merge needs at least two members").value(m.name);
    const std::string combine = node.has("combine") ? node["combine"].as_string() : "max";
    if (combine == "max") m.combine = MergeRule::max;
    else if (combine == "noisy_or") m.combine = MergeRule::noisy_or;
    else throw node["combine"].error("unknown combine rule").value(combine).expected("max or noisy_or");
    set.radchestct_merges.push_back(std::move(m));
  }
  return set;
}

}  // namespace unict::data

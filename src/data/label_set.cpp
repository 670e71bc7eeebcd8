#include "unict/data/label_set.h"

#include <algorithm>
#include <set>

#include <yaml-cpp/yaml.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/core/string_distance.h"

namespace unict::data {
namespace {

// ReXGroundingCT's category codes (shared/docs/datasets.md): a code outside them is a typo.
const std::vector<std::string> kReXGroundingCategories = {"1a", "1b", "1c", "1d", "1e", "1f", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "2h"};

int line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

Error error_at(const std::string& file, const YAML::Node& node, std::string what) {
  Error e(std::move(what));
  e.file(file).line(line_of(node));
  return e;
}

void only_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& file, const std::string& where) {
  for (const auto& entry : map) {
    const auto key = entry.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw error_at(file, entry.first, "unknown key in " + where).key(key).expected("one of: " + list);
    }
  }
}

std::string required_string(const YAML::Node& map, const std::string& key, const std::string& file, const std::string& where) {
  const YAML::Node node = map[key];
  if (!node || !node.IsScalar() || node.Scalar().empty()) throw error_at(file, map, "missing or empty '" + key + "' in " + where).key(key);
  return node.Scalar();
}

std::vector<std::string> string_list(const YAML::Node& map, const std::string& key, const std::string& file) {
  std::vector<std::string> items;
  const YAML::Node node = map[key];
  if (!node) return items;
  if (!node.IsSequence()) throw error_at(file, node, "expected a list").key(key);
  for (const auto& item : node) {
    if (!item.IsScalar()) throw error_at(file, item, "expected a string").key(key);
    items.push_back(item.Scalar());
  }
  return items;
}

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
  const std::string file = path.string();
  const std::string text = core::read_file(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error("invalid YAML: " + e.msg).file(file).line(e.mark.line + 1);
  }
  if (!root.IsMap()) throw Error("a label set is a mapping with 'classes'").file(file);
  only_keys(root, {"classes", "radchestct_merges"}, file, "the label set");
  const YAML::Node classes = root["classes"];
  if (!classes || !classes.IsSequence() || classes.size() == 0) throw Error("'classes' must be a non-empty list").file(file);

  // yaml-cpp's conversions (a key or a display that is a list, ...) throw their own exceptions:
  // they become an Error naming the file and line like every other problem of the file.
  try {
    LabelSet set;
    set.file = file;
    std::set<std::string> names, codes;
    for (const auto& node : classes) {
      if (!node.IsMap()) throw error_at(file, node, "each class is a mapping with at least 'name'");
      only_keys(node, {"name", "display", "rexgrounding", "radchestct"}, file, "a class");
      LabelClass c;
      c.name = required_string(node, "name", file, "a class");
      c.display = node["display"] ? node["display"].as<std::string>() : c.name;
      c.rexgrounding_codes = string_list(node, "rexgrounding", file);
      c.radchestct_names = string_list(node, "radchestct", file);
      if (!names.insert(c.name).second) throw error_at(file, node, "class name given twice").value(c.name);
      for (const auto& code : c.rexgrounding_codes) {
        if (std::find(kReXGroundingCategories.begin(), kReXGroundingCategories.end(), code) == kReXGroundingCategories.end()) {
          Error error = error_at(file, node, "not a ReXGroundingCT category code");
          error.value(code);
          if (const auto near = core::nearest_word(code, kReXGroundingCategories)) error.hint("did you mean '" + *near + "'?");
          else error.expected("one of 1a-1f, 2a-2h");
          throw error;
        }
        if (!codes.insert(code).second) throw error_at(file, node, "ReXGroundingCT code assigned to two classes").value(code);
      }
      set.classes.push_back(std::move(c));
    }

    if (const YAML::Node merges = root["radchestct_merges"]) {
      if (!merges.IsSequence()) throw error_at(file, merges, "'radchestct_merges' must be a list");
      std::set<std::size_t> used;
      for (const auto& node : merges) {
        if (!node.IsMap()) throw error_at(file, node, "each merge is a mapping with 'name' and 'members'");
        only_keys(node, {"name", "members", "combine"}, file, "a merge");
        RadChestMerge m;
        m.name = required_string(node, "name", file, "a merge");
        for (const auto& member : string_list(node, "members", file)) {
          const auto index = set.index_of(member);
          if (!index) throw error_at(file, node, "merge member is not a class").value(member);
          if (!used.insert(*index).second) throw error_at(file, node, "class is a member of two merges").value(member);
          m.members.push_back(*index);
        }
        if (m.members.size() < 2) throw error_at(file, node, "a merge needs at least two members").value(m.name);
        const std::string combine = node["combine"] ? node["combine"].as<std::string>() : "max";
        if (combine == "max") m.combine = MergeRule::max;
        else if (combine == "noisy_or") m.combine = MergeRule::noisy_or;
        else throw error_at(file, node["combine"], "unknown combine rule").value(combine).expected("max or noisy_or");
        set.radchestct_merges.push_back(std::move(m));
      }
    }
    return set;
  } catch (const YAML::Exception& e) {
    throw Error("invalid label set: " + e.msg).file(file).line(e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
}

}  // namespace unict::data

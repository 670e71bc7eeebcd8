// The abnormality classes a run predicts, and how the data sets' own labels map onto them:
// ReXGroundingCT category codes, RAD-ChestCT abnormality names, and the merges used for external
// validation on RAD-ChestCT. Read from a YAML file in configs/labels/.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace unict::data {

struct LabelClass {
  std::string name;
  std::string display;
  std::vector<std::string> rexgrounding_codes;  // e.g. {"2d"}
  std::vector<std::string> radchestct_names;    // e.g. {"nodule", "mass"}
};

enum class MergeRule { max, noisy_or };

struct RadChestMerge {
  std::string name;                  // the merged class's name
  std::vector<std::size_t> members;  // indices into LabelSet::classes
  MergeRule combine = MergeRule::max;
};

struct LabelSet {
  std::string file;
  std::vector<LabelClass> classes;
  std::vector<RadChestMerge> radchestct_merges;

  std::size_t size() const { return classes.size(); }
  std::vector<std::string> names() const;
  std::optional<std::size_t> index_of(const std::string& name) const;
  // The class a ReXGroundingCT category code belongs to, if any (1f, 2h, ... belong to none).
  std::optional<std::size_t> class_of_code(const std::string& code) const;

  // The classes scored on RAD-ChestCT: each unmerged class alone, each merge once (at the
  // position of its first member). Each entry lists the member classes.
  struct ExternalClass {
    std::string name;
    std::vector<std::size_t> members;
    MergeRule combine = MergeRule::max;
  };
  std::vector<ExternalClass> radchestct_classes() const;
};

// Errors name the file, line and entry: unknown keys, duplicate names or codes, a merge member
// that is not a class.
LabelSet load_label_set(const std::filesystem::path& file);

}  // namespace unict::data

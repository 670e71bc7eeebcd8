// ReXGroundingCT's dataset.json (or MICCAI_challenge_dataset.json): per CT-RATE volume its
// free-text findings, their category codes, and a 4-D instance mask in segmentations/.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace unict::data {

struct RexFinding {
  std::string text;
  std::string code;           // "2d"; "" when the entry gives no categories (test entries)
  std::int64_t pixels = -1;   // as listed; -1 when not given
  std::int64_t entities = -1;
};

struct RexEntry {
  std::string name;   // VolumeName without ".nii.gz"
  std::string split;  // train, val or test
  std::vector<RexFinding> findings;  // in mask-channel order (keys sorted as integers)
  std::vector<std::int64_t> shape;   // [H, W, D] as listed (empty when not given)
  std::filesystem::path mask_file;   // segmentations/<name>.nii.gz, empty when the file is absent
};

// Errors name the file and the entry: invalid JSON, a missing "name" or "findings", a finding
// key that is not an integer, categories / pixels / entity_counts that do not match the findings.
std::vector<RexEntry> load_rexgrounding(const std::filesystem::path& root, const std::string& json_name);

}  // namespace unict::data

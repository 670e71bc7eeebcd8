// The rule-based report labeler behind clinical efficacy: which of the configured abnormalities a
// report states as present. Configured by a YAML vocabulary (configs/labels/unict10_labeler.yaml):
// per class, terms and "not" phrases; shared negation (before / after a mention), uncertainty and
// scope-break cues. Reports are read sentence by sentence; a mention is
//   negated   when a negation cue precedes it within `window` words of the same clause, or a
//             post-negation cue follows it in the same clause;
//   uncertain when an uncertainty cue is in the same clause (counted as `uncertain:` says);
//   ignored   when it lies inside a "not" phrase of its class ("linear atelectasis" is not
//             atelectasis_consolidation).
// A class is positive when one of its mentions is neither negated nor counted negative.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace unict::text {

struct ClassVocabulary {
  std::string name;
  std::vector<std::vector<std::string>> terms, exclusions;  // word sequences
};

struct LabelerConfig {
  std::size_t window = 6;
  bool uncertain_positive = true;
  std::vector<std::vector<std::string>> negation_before, negation_after, uncertainty, scope_breaks;
  std::vector<ClassVocabulary> classes;
};

// Reads the vocabulary; classes must be among `class_names` (the label set), each listed once.
// Errors name the file, line and key.
LabelerConfig load_labeler_config(const std::filesystem::path& file, const std::vector<std::string>& class_names);

// The labeler's word sequence of a text: lower case, every character that is not a letter or a
// digit read as a space, plural forms reduced ("opacities" -> "opacity", "bullae" stays).
std::vector<std::string> labeler_words(const std::string& text);

class ReportLabeler {
 public:
  explicit ReportLabeler(LabelerConfig config);
  // 0 / 1 per class of the config, in its order.
  std::vector<std::uint8_t> label(const std::string& report) const;
  const LabelerConfig& config() const { return config_; }

 private:
  LabelerConfig config_;
};

}  // namespace unict::text

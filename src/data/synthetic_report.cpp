#include "unict/data/synthetic_report.h"

#include <algorithm>
#include <map>

namespace unict::data {
namespace {

const std::string& pick(const std::vector<std::string>& options, core::Rng& rng) {
  return options[static_cast<std::size_t>(rng.below(options.size()))];
}

std::string join_locations(const std::vector<std::string>& locations) {
  if (locations.empty()) return "lung";
  std::string text;
  for (std::size_t i = 0; i < locations.size(); ++i)
    text += (i == 0 ? "" : i + 1 == locations.size() ? " and " : ", ") + locations[i];
  return text;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
}

struct Phrases {
  std::vector<std::string> present;  // {loc} {size}
  std::vector<std::string> absent;
  std::string words;
};

const std::map<std::string, Phrases>& phrases() {
  static const std::map<std::string, Phrases> table = {
      {"1a", {{"Bronchial wall thickening is noted in the {loc}.", "There is peribronchial wall thickening involving the {loc}.",
               "Thickened bronchial walls are seen in the {loc}."},
              {"No bronchial wall thickening.", "Bronchial walls are of normal thickness."}, "bronchial wall thickening"}},
      {"1b", {{"Bronchiectasis is present in the {loc}.", "Dilated bronchi consistent with bronchiectasis are seen in the {loc}.",
               "There are bronchiectatic changes in the {loc}."},
              {"No bronchiectasis.", "There is no evidence of bronchiectasis."}, "bronchiectasis"}},
      {"1c", {{"Emphysematous changes are seen in the {loc}.", "There are areas of emphysema in the {loc}.",
               "Centrilobular emphysema is noted in the {loc}."},
              {"No emphysema.", "There is no emphysematous change."}, "emphysema"}},
      {"1d", {{"Interlobular septal thickening is seen in the {loc}.", "There is septal thickening in the {loc}.",
               "Reticular septal thickening is noted in the {loc}."},
              {"No interlobular septal thickening.", "Interlobular septa are not thickened."}, "septal thickening"}},
      {"1e", {{"Multiple micronodules are seen in the {loc}.", "There are scattered micronodules in the {loc}.",
               "Numerous tiny nodules are noted in the {loc}."},
              {"No micronodules.", "There are no micronodular opacities."}, "micronodules"}},
      {"2a", {{"Linear opacities consistent with scarring are seen in the {loc}.", "There are fibrotic bands in the {loc}.",
               "Linear atelectasis and scarring are noted in the {loc}."},
              {"No fibrotic changes.", "There are no linear opacities."}, "linear opacities and scarring"}},
      {"2b", {{"Consolidation is seen in the {loc}.", "There is atelectasis in the {loc}.",
               "An area of consolidation with atelectasis is noted in the {loc}."},
              {"No consolidation.", "There is no atelectasis or consolidation."}, "atelectasis or consolidation"}},
      {"2c", {{"A ground-glass opacity is seen in the {loc}.", "There is a ground glass density area in the {loc}.",
               "Ground-glass opacities are noted in the {loc}."},
              {"No ground-glass opacity.", "There is no ground glass opacity."}, "ground-glass opacity"}},
      {"2d", {{"A {size} mm solid nodule is seen in the {loc}.", "There is a {size} mm pulmonary nodule in the {loc}.",
               "A nodular lesion measuring {size} mm is noted in the {loc}."},
              {"No pulmonary nodule or mass.", "There is no nodule or mass in either lung."}, "pulmonary nodule"}},
      {"2e", {{"Pleural effusion is present in the {loc}.", "There is a pleural effusion in the {loc}.",
               "Fluid is seen in the {loc}, consistent with pleural effusion."},
              {"No pleural effusion.", "There is no pleural effusion or thickening."}, "pleural effusion"}},
  };
  return table;
}

const std::vector<std::string> kNormalStatements = {
    "Trachea and both main bronchi are patent.", "Mediastinal structures are within normal limits.",
    "Heart size is normal.", "No pericardial effusion.", "No mediastinal lymphadenopathy.",
    "The thoracic aorta is of normal calibre.", "Bones in the scan area are unremarkable.",
};

// The grid report's name of each finding, as a sentence starts it; each holds a term of the
// report labeler's vocabulary (configs/labels/unict10_labeler.yaml).
const std::map<std::string, std::string>& grid_finding_names() {
  static const std::map<std::string, std::string> names = {
      {"1a", "Bronchial wall thickening"}, {"1b", "Bronchiectasis"}, {"1c", "Emphysema"}, {"1d", "Septal thickening"},
      {"1e", "Micronodules"}, {"2a", "Linear opacity"}, {"2b", "Consolidation"}, {"2c", "Ground glass opacity"},
      {"2d", "Pulmonary nodule"}, {"2e", "Pleural effusion"}};
  return names;
}

std::string impression_words(const std::vector<SyntheticFinding>& findings) {
  std::string words;
  for (std::size_t i = 0; i < findings.size(); ++i)
    words += (i == 0 ? "" : i + 1 == findings.size() ? " and " : ", ") + synthetic_code_words(findings[i].code);
  words[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(words[0])));
  return words + ".";
}

}  // namespace

SyntheticReport write_grid_report(const std::vector<SyntheticFinding>& findings) {
  SyntheticReport report;
  for (const auto& f : findings) {
    const std::string sentence = grid_finding_names().at(f.code) + " in the " + join_locations(f.locations) + ", " + f.extent + ".";
    report.finding_sentences.push_back(sentence);
    report.findings += (report.findings.empty() ? "" : " ") + sentence;
  }
  if (findings.empty()) {
    report.findings = "The lungs are clear.";
    report.impressions = "No acute cardiopulmonary abnormality.";
  } else {
    report.impressions = impression_words(findings);
  }
  return report;
}

std::string synthetic_code_words(const std::string& code) { return phrases().at(code).words; }

SyntheticReport write_synthetic_report(const std::vector<SyntheticFinding>& findings, core::Rng& rng) {
  SyntheticReport report;
  std::vector<std::string> sentences;
  // Two or three normal statements, in random order.
  std::vector<std::string> normal = kNormalStatements;
  rng.shuffle(normal);
  const std::size_t normal_count = 2 + static_cast<std::size_t>(rng.below(2));
  sentences.insert(sentences.end(), normal.begin(), normal.begin() + static_cast<std::ptrdiff_t>(normal_count));

  std::vector<std::string> present_codes;
  for (const auto& f : findings) {
    std::string sentence = pick(phrases().at(f.code).present, rng);
    replace_all(sentence, "{loc}", join_locations(f.locations));
    replace_all(sentence, "{size}", std::to_string(static_cast<int>(std::lround(std::max(f.size_mm, 2.0)))));
    report.finding_sentences.push_back(sentence);
    sentences.push_back(sentence);
    present_codes.push_back(f.code);
  }
  // Two to four absent abnormalities, stated as negatives.
  std::vector<std::string> absent;
  for (const auto& [code, p] : phrases())
    if (std::find(present_codes.begin(), present_codes.end(), code) == present_codes.end()) absent.push_back(code);
  rng.shuffle(absent);
  const std::size_t negatives = std::min<std::size_t>(absent.size(), 2 + static_cast<std::size_t>(rng.below(3)));
  for (std::size_t i = 0; i < negatives; ++i) sentences.push_back(pick(phrases().at(absent[i]).absent, rng));

  for (const auto& s : sentences) report.findings += (report.findings.empty() ? "" : " ") + s;
  report.impressions = findings.empty() ? "No acute cardiopulmonary abnormality." : impression_words(findings);
  return report;
}

}  // namespace unict::data

#include "unict/eval/clinical_efficacy.h"

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/eval/classification.h"

namespace unict::eval {

ClinicalEfficacy clinical_efficacy(const std::vector<std::vector<std::uint8_t>>& generated,
                                   const std::vector<std::vector<std::uint8_t>>& reference, const std::vector<std::string>& classes) {
  if (generated.size() != reference.size()) throw internal_error("clinical efficacy: generated and reference counts differ");
  ClinicalEfficacy ce;
  double sums[3] = {0, 0, 0};
  std::size_t defined = 0;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    EfficacyClass e;
    e.name = classes[c];
    ConfusionCounts counts;
    for (std::size_t i = 0; i < generated.size(); ++i) {
      const bool g = generated[i].at(c) != 0, r = reference[i].at(c) != 0;
      if (r) (g ? counts.tp : counts.fn) += 1;
      else (g ? counts.fp : counts.tn) += 1;
    }
    e.reference_positives = counts.tp + counts.fn;
    e.generated_positives = counts.tp + counts.fp;
    e.true_positives = counts.tp;
    if (e.reference_positives > 0) {
      const auto m = threshold_metrics(counts);
      e.precision = m.precision;
      e.recall = m.recall;
      e.f1 = m.f1;
      sums[0] += m.precision;
      sums[1] += m.recall;
      sums[2] += m.f1;
      ++defined;
    }
    ce.per_class.push_back(e);
  }
  if (defined > 0) {
    ce.precision = sums[0] / static_cast<double>(defined);
    ce.recall = sums[1] / static_cast<double>(defined);
    ce.f1 = sums[2] / static_cast<double>(defined);
  }
  return ce;
}

nlohmann::json to_json(const ClinicalEfficacy& ce) {
  auto number = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json doc;
  doc["per_class"] = nlohmann::json::object();
  doc["undefined"] = nlohmann::json::array();
  for (const auto& e : ce.per_class) {
    doc["per_class"][e.name] = {{"precision", number(e.precision)}, {"recall", number(e.recall)}, {"f1", number(e.f1)},
                                {"reference_positives", e.reference_positives}, {"generated_positives", e.generated_positives}};
    if (!e.f1) doc["undefined"].push_back({{"class", e.name}, {"reason", "no reference report states it"}});
  }
  doc["macro"] = {{"precision", number(ce.precision)}, {"recall", number(ce.recall)}, {"f1", number(ce.f1)}};
  return doc;
}

}  // namespace unict::eval

// Clinical efficacy: precision, recall and F1 per class (and macro over classes) of the
// abnormalities the report labeler finds in generated reports, against those it finds in the
// reference reports. A class no reference report states is undefined (recall has no meaning):
// null, listed, left out of the macro means. Precision is 0 when no generated report states it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace unict::eval {

struct EfficacyClass {
  std::string name;
  std::int64_t reference_positives = 0, generated_positives = 0, true_positives = 0;
  std::optional<double> precision, recall, f1;
};

struct ClinicalEfficacy {
  std::vector<EfficacyClass> per_class;
  std::optional<double> precision, recall, f1;  // macro over defined classes
};

// labels[report][class] from the labeler, for generated and reference reports in the same order.
ClinicalEfficacy clinical_efficacy(const std::vector<std::vector<std::uint8_t>>& generated,
                                   const std::vector<std::vector<std::uint8_t>>& reference, const std::vector<std::string>& classes);

nlohmann::json to_json(const ClinicalEfficacy& ce);

}  // namespace unict::eval

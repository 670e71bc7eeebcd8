// The 0 / 1 labels of some volumes together with the classes they are given in. The training data
// set labels the label set's classes; an external one labels its own (RAD-ChestCT's, each a merge
// of label-set classes: LabelSet::radchestct_classes). The cache records the classes beside the
// labels, so evaluation checks which classes it holds instead of assuming it from the data set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace unict::data {

struct ClassLabels {
  std::vector<std::string> classes;
  std::vector<std::uint8_t> values;  // volume-major: volume v, class c at v * classes.size() + c

  std::size_t volumes() const { return classes.empty() ? 0 : values.size() / classes.size(); }
  // One volume's labels, one per class of `row_classes`; an internal Error when these differ from
  // the classes of the volumes before it (labels of two kinds in one table).
  void append(const std::vector<std::string>& row_classes, const std::uint8_t* row);
};

}  // namespace unict::data

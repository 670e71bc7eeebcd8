#include "unict/data/class_labels.h"

#include "unict/core/error.h"

namespace unict::data {

void ClassLabels::append(const std::vector<std::string>& row_classes, const std::uint8_t* row) {
  if (values.empty()) classes = row_classes;
  else if (row_classes != classes) throw internal_error("labels in other classes than the volumes before them");
  values.insert(values.end(), row, row + classes.size());
}

}  // namespace unict::data

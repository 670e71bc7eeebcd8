#include "unict/data/radchestct.h"

#include "unict/core/error.h"
#include "unict/io/csv.h"

namespace unict::data {

RadChestLabels load_radchestct(const std::filesystem::path& root) {
  RadChestLabels labels;
  for (const std::string csv : {"imgtrain", "imgvalid", "imgtest"}) {
    const auto file = root / (csv + "_Abnormality_and_Location_Labels.csv");
    if (!std::filesystem::exists(file)) continue;
    io::CsvReader reader(file);
    RadChestLabelFile& read = labels.files.emplace_back();
    read.file = file;
    const std::size_t id_column = reader.column("NoteAcc_DEID");
    // The abnormality of each column ("nodule*right_upper_lobe" -> "nodule").
    std::vector<std::string> abnormality(reader.header().size());
    for (std::size_t c = 0; c < reader.header().size(); ++c) {
      if (c == id_column) continue;
      const auto& name = reader.header()[c];
      const auto star = name.find('*');
      if (star == std::string::npos || star == 0)
        throw Error("column is not <abnormality>*<location>").file(file.string()).value(name);
      abnormality[c] = name.substr(0, star);
      read.abnormalities.insert(abnormality[c]);
    }
    std::vector<std::string> row;
    while (reader.next(row)) {
      RadChestVolume v;
      v.id = row[id_column];
      v.csv = csv;
      v.file = root / (v.id + ".npz");
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (c == id_column) continue;
        if (row[c] == "1") {
          v.abnormalities.insert(abnormality[c]);
        } else if (row[c] != "0") {
          const double value = io::parse_number(row[c], file.string() + ":" + std::to_string(reader.line()) + " (" + reader.header()[c] + ")");
          if (value > 0.5) v.abnormalities.insert(abnormality[c]);
        }
      }
      labels.volumes.push_back(std::move(v));
    }
  }
  if (labels.files.empty()) throw Error("no RAD-ChestCT label files").file(root.string()).expected("imgtrain/imgvalid/imgtest_Abnormality_and_Location_Labels.csv");
  return labels;
}

}  // namespace unict::data

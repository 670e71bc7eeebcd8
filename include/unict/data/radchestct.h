// RAD-ChestCT as distributed: <NoteAcc_DEID>.npz volumes and the img{train,valid,test} label CSVs
// whose columns are <abnormality>*<location>; an abnormality is present when any of its
// locations is.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace unict::data {

struct RadChestVolume {
  std::string id;                      // NoteAcc_DEID: trn00001
  std::string csv;                     // imgtrain, imgvalid or imgtest
  std::filesystem::path file;          // <root>/<id>.npz
  std::set<std::string> abnormalities; // present (OR over locations)
};

struct RadChestLabelFile {
  std::filesystem::path file;
  std::set<std::string> abnormalities;  // those it has columns for
};

struct RadChestLabels {
  std::vector<RadChestVolume> volumes;
  std::vector<RadChestLabelFile> files;  // the label CSVs read
};

// Reads every label CSV present in `root` (streaming: the real files have 4,369 columns).
// Errors name the file and line.
RadChestLabels load_radchestct(const std::filesystem::path& root);

}  // namespace unict::data

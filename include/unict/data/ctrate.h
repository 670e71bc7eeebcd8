// CT-RATE as distributed: the metadata, report and label CSVs, the non-chest exclusion lists, and
// the volume tree (v2 *_fixed folders in HU, or v1 folders rescaled from the metadata).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "unict/data/ct_source.h"

namespace unict::data {

struct CtRateVolume {
  std::string name;     // VolumeName without ".nii.gz": train_1741_b_2
  std::string patient;  // train_1741
  std::string split;    // train or valid
  CtSource ct;
  std::string findings, impressions;  // Findings_EN, Impressions_EN ("" when absent)
  std::map<std::string, int> labels;  // the 18 predicted labels, when the labels CSV lists the volume
};

// "train_1741_b_2.nii.gz" or "train_1741_b_2" -> "train_1741_b_2".
std::string strip_nifti_extension(const std::string& name);
// "train_1741_b_2" -> "train_1741"; an Error for a name not of the form <split>_<patient>_<scan>_<rec>.
std::string ctrate_patient_of(const std::string& volume_name);

class CtRateIndex {
 public:
  // root holds dataset/; tree is "v2" or "v1". Non-chest volumes are left out.
  static CtRateIndex load(const std::filesystem::path& root, const std::string& tree);

  const CtRateVolume* find(const std::string& volume_name) const;  // with or without .nii.gz
  const std::vector<CtRateVolume>& volumes() const { return volumes_; }
  bool is_non_chest(const std::string& volume_name) const;

 private:
  std::vector<CtRateVolume> volumes_;
  std::map<std::string, std::size_t> by_name_;
  std::vector<std::string> non_chest_;
};

}  // namespace unict::data

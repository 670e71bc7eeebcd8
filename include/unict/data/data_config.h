// The `data` section: where the data sets are and how they are read.
#pragma once

#include <filesystem>
#include <string>

#include "unict/core/config_schema.h"

namespace unict::data {

struct DataConfig {
  std::filesystem::path label_set;          // configs/labels/*.yaml
  std::filesystem::path ctrate_root;        // the folder that holds CT-RATE's dataset/
  std::string ctrate_tree;                  // v2 (train_fixed, valid_fixed) or v1 (train, valid)
  std::filesystem::path rexgrounding_root;  // the folder with dataset.json and segmentations/
  std::string rexgrounding_json;            // dataset.json or MICCAI_challenge_dataset.json
  std::filesystem::path radchestct_root;    // the folder with the .npz volumes and label CSVs
  double radchestct_spacing = 0;            // mm, isotropic (not stored in the files)
  std::string report_source;                // findings_en or rexgrounding_findings
  std::string on_error;                     // fail or skip
  std::filesystem::path cache_dir;          // preprocessed cache
};

const core::Section<DataConfig>& data_section();

}  // namespace unict::data

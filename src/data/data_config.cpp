#include "unict/data/data_config.h"

namespace unict::data {
namespace {

using core::Range;

core::Section<DataConfig> make_data_section() {
  core::Section<DataConfig> s("data");
  s.key("label_set", &DataConfig::label_set, std::filesystem::path("configs/labels/unict10.yaml"),
        "label set file: the classes and their mapping to each data set's labels");
  s.key("ctrate_root", &DataConfig::ctrate_root, std::filesystem::path(""), "CT-RATE: the folder that holds dataset/");
  s.key("ctrate_tree", &DataConfig::ctrate_tree, std::string("v2"),
        "CT-RATE volumes: v2 (train_fixed/valid_fixed, HU as stored) or v1 (train/valid, rescaled from the metadata CSV)")
      .one_of({"v2", "v1"});
  s.key("rexgrounding_root", &DataConfig::rexgrounding_root, std::filesystem::path(""),
        "ReXGroundingCT: the folder with the dataset JSON and segmentations/");
  s.key("rexgrounding_json", &DataConfig::rexgrounding_json, std::string("dataset.json"),
        "ReXGroundingCT dataset file inside rexgrounding_root (dataset.json or MICCAI_challenge_dataset.json)");
  s.key("radchestct_root", &DataConfig::radchestct_root, std::filesystem::path(""),
        "RAD-ChestCT: the folder with the .npz volumes and the img*_Abnormality_and_Location_Labels.csv files");
  s.key("radchestct_spacing", &DataConfig::radchestct_spacing, 0.8, "RAD-ChestCT voxel spacing in mm (isotropic; the files do not store it)")
      .in_range(Range::above(0));
  s.key("report_source", &DataConfig::report_source, std::string("findings_en"),
        "report text to train on: CT-RATE's Findings_EN or the ReXGroundingCT findings joined")
      .one_of({"findings_en", "rexgrounding_findings"});
  s.key("on_error", &DataConfig::on_error, std::string("fail"), "a volume that cannot be read or preprocessed: fail the run, or skip it and list it in the report")
      .one_of({"fail", "skip"});
  s.key("cache_dir", &DataConfig::cache_dir, std::filesystem::path("cache"), "folder of the preprocessed cache");
  return s;
}

}  // namespace

const core::Section<DataConfig>& data_section() {
  static const core::Section<DataConfig> section = make_data_section();
  return section;
}

}  // namespace unict::data

// Segmentation evaluation of two folders of class masks, as `unict metrics seg` does it.
//
// A mask folder holds `classes.json` ({"classes": ["<class>", ...]}) and one `<VolumeName>.nii.gz`
// (or .nii) per volume: 4-D (x, y, z, class) with one channel per class in that order, any
// non-zero voxel inside (3-D when there is one class). Predictions and ground truth are matched by
// file name and class name; shapes must agree.
//
// Per class: Dice averaged over the volumes whose ground truth has the class; the ReXGroundingCT
// measures with a finding = one (volume, class) pair with ground truth (the model predicts one mask
// per class): hit rate = share of findings with Dice >= 0.1, instance precision / recall / F1 of
// 26-connected components matched at Dice >= 0.2 (pooled over volumes); and the false-positive
// volume (mL) predicted on volumes without the class.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "unict/eval/metric_registry.h"

namespace unict::eval {

struct SegmentationClassResult {
  std::string name;
  std::int64_t with_class = 0, without_class = 0;       // volumes whose ground truth has / lacks it
  std::optional<double> dice, hit_rate;                  // over volumes with the class
  std::int64_t predicted_instances = 0, true_instances = 0, matched_instances = 0;
  std::optional<double> instance_precision, instance_recall, instance_f1;
  std::optional<double> false_positive_ml;               // mean over volumes without the class
};

struct SegmentationReport {
  std::vector<SegmentationClassResult> per_class;
  std::size_t volumes = 0;
  std::optional<double> dice_mean;      // mean of the per-class Dice over classes with ground truth
  std::optional<double> hit_rate;       // over all findings
  std::optional<double> instance_f1;    // from instance counts pooled over classes
};

SegmentationReport evaluate_segmentation(const std::filesystem::path& predictions, const std::filesystem::path& truth);

nlohmann::json to_json(const SegmentationReport& report);
// seg.dice_mean, seg.hit_rate and seg.instance_f1.
MetricValues metric_values(const SegmentationReport& report);
std::string to_table(const SegmentationReport& report);

// Writes a mask folder (classes.json + <name>.nii.gz): for tests and for the evaluator's output.
void write_mask_folder_classes(const std::filesystem::path& folder, const std::vector<std::string>& classes);

}  // namespace unict::eval

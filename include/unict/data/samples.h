// The samples a run trains and evaluates on, assembled from the data sets as the config says:
// ReXGroundingCT entries (findings, categories, masks) joined with their CT-RATE volumes and
// reports, or RAD-ChestCT volumes with their labels mapped onto the label set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "unict/data/ct_source.h"
#include "unict/data/data_config.h"
#include "unict/data/label_set.h"

namespace unict::data {

struct Sample {
  std::string name;     // volume name
  std::string patient;  // splits group by it
  CtSource ct;
  std::filesystem::path mask_file;             // ReXGroundingCT instance mask; empty: none
  std::vector<std::vector<int>> class_channels;  // per class: the mask channels (findings) of that class
  std::vector<std::uint8_t> labels;            // 0 / 1 per class of its SampleSet's class_names
  std::string report;                          // the training report text
  std::string source_split;                    // the data set's own split (train / val / test, imgtrain ...)
};

struct SkippedItem {
  std::string name;
  std::string reason;
};

struct SampleSet {
  std::vector<Sample> samples;
  std::vector<SkippedItem> skipped;  // left out under data.on_error: skip (or never usable)
  std::vector<SkippedItem> without_masks;  // kept, but with no mask to segment (why, per volume)
  // The classes of every sample's labels: the label set's, or the data set's own
  // (DatasetSpec::own_classes). Cache items record them beside the labels (class_labels.h).
  std::vector<std::string> class_names;
};

// ReXGroundingCT entries with annotations (categories), their CT-RATE volumes, reports and masks.
// An entry whose report is empty (CT-RATE writes "Not given.") is kept with an empty report: a
// split, classification and segmentation need none (require_reports). An entry with categories
// but neither a mask file nor entity / voxel counts (MICCAI_challenge_dataset.json's test split) is
// kept without a mask (`without_masks`): it serves classification and reports, and segmentation
// losses and metrics leave it out. A problem with one entry (volume not in CT-RATE, a file
// missing, a mask the entry describes missing) fails the call under
// data.on_error: fail, or is listed in `skipped` under skip. Non-chest volumes and entries
// without categories are always listed in `skipped`.
SampleSet rexgrounding_samples(const DataConfig& config, const LabelSet& labels);

// Where reports are needed (a model with the report head: its training and its report metrics),
// a sample without report text fails the call under data.on_error: fail, or moves to `skipped`
// with its reason under skip.
void require_reports(const DataConfig& config, SampleSet& set);

// RAD-ChestCT volumes, labelled per LabelSet::radchestct_classes().
SampleSet radchestct_samples(const DataConfig& config, const LabelSet& labels);

}  // namespace unict::data

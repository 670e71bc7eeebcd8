// The synthetic data set: CT-RATE, ReXGroundingCT and RAD-ChestCT folders in exactly the formats
// the real ones are distributed in (../shared/docs/datasets.md), filled with synthetic chests, so
// that the very code that reads the real data is exercised on it. Deterministic by seed.
//
// OUT/ctrate/dataset/{train_fixed,valid_fixed}/<patient>/<patient>_<scan>/<volume>.nii.gz   (v2)
// OUT/ctrate/dataset/{train,valid}/...                                      (v1, with ctrate_v1)
// OUT/ctrate/dataset/metadata/{train,validation}_metadata.csv, no_chest_{train,valid}.txt
// OUT/ctrate/dataset/radiology_text_reports/{train,validation}_reports.csv
// OUT/ctrate/dataset/multi_abnormality_labels/{train,valid}_predicted_labels.csv
// OUT/rexgroundingct/dataset.json, MICCAI_challenge_dataset.json (test entries with categories,
//   still without masks), segmentations/<volume>.nii.gz
// OUT/radchestct/<NoteAcc_DEID>.npz, img{train,valid,test}_Abnormality_and_Location_Labels.csv
// OUT/synthetic_truth.json   what each volume really shows (for tests and labeler checks)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace unict::data {

// realistic: a scanner's variety (sizes, spacings, reconstructions, padding), lesions painted in
// millimetres and resampled by prepare: the hard benchmark. grid: every volume drawn natively on
// the training grid with one signature per class that survives there (grid_case.h).
enum class SyntheticProfile { realistic, grid };

struct SyntheticOptions {
  SyntheticProfile profile = SyntheticProfile::realistic;
  std::int64_t patients = 24;
  std::uint64_t seed = 0;
  std::array<std::int64_t, 3> size_zyx{64, 96, 96};  // nominal CT size (realistic: each scan varies by about 10 %; grid: exact)
  std::array<double, 3> grid_spacing_zyx{9.0, 7.5, 7.5};  // grid profile: the training grid's spacing, mm
  std::int64_t max_scans = 3;                         // scans per patient: 1 to max_scans
  std::int64_t radchestct_volumes = 12;
  double lesion_probability = 0.3;                    // per abnormality and patient
  double lesion_scale = 1.0;                          // lesion sizes times this (coarse grids need larger lesions)
  bool ctrate_v1 = false;                             // also write the v1 tree
  std::size_t threads = 0;
};

struct SyntheticSummary {
  std::int64_t ctrate_volumes = 0, rexgrounding_entries = 0, radchestct_volumes = 0;
  double radchestct_spacing = 0;  // mm: set data.radchestct_spacing to this
};

// Writes everything into a hidden sibling folder and renames it to `out` when complete, so a
// crash never leaves a half-written data set. `out` must not exist, unless `replace` is set and
// it holds an earlier synthetic data set (it has synthetic_truth.json).
SyntheticSummary write_synthetic_dataset(const std::filesystem::path& out, const SyntheticOptions& options, bool replace = false);

}  // namespace unict::data

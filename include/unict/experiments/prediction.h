// `unict predict`: one new scan through a trained fold. The scan is preprocessed exactly as the
// training volumes were (the run's preprocess section) and read by the same loader code; writes
//   <out>/probabilities.json   {"VolumeName", "probabilities": {"<class>": p}, "thresholds": {...} or null}
//   <out>/masks.nii.gz         predicted class masks in the input's geometry (4-D x, y, z, class)
//   <out>/report.txt           the generated report
// An existing output folder with these files is not overwritten without `force`.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace unict::experiments {

nlohmann::json predict_scan(const std::filesystem::path& run_dir, const std::filesystem::path& scan, const std::filesystem::path& out,
                            bool force);

}  // namespace unict::experiments

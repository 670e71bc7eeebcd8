// Small synthetic data sets and the configs that read them, shared by the data-layer tests.
#pragma once

#include <filesystem>

#include "unict/data/data_config.h"
#include "unict/data/preprocess.h"
#include "unict/data/synthetic.h"

namespace unict::test {

// A synthetic data set small enough for a unit test (two threads, paper-like lesion rates).
inline data::SyntheticOptions small_synthetic(std::int64_t patients, std::uint64_t seed, std::array<std::int64_t, 3> size_zyx,
                                              std::int64_t radchestct_volumes = 0, double lesion_probability = 0.5) {
  data::SyntheticOptions o;
  o.patients = patients;
  o.seed = seed;
  o.size_zyx = size_zyx;
  o.radchestct_volumes = radchestct_volumes;
  o.lesion_probability = lesion_probability;
  o.threads = 2;
  return o;
}

// The data config of a synthetic data set written to `root` (v2 tree, the default label set).
inline data::DataConfig synthetic_data_config(const std::filesystem::path& root) {
  data::DataConfig c;
  c.label_set = std::filesystem::path(UNICT_SOURCE_DIR) / "configs/labels/unict10.yaml";
  c.ctrate_root = root / "ctrate";
  c.ctrate_tree = "v2";
  c.rexgrounding_root = root / "rexgroundingct";
  c.rexgrounding_json = "dataset.json";
  c.radchestct_root = root / "radchestct";
  c.radchestct_spacing = 0.8;
  c.report_source = "findings_en";
  c.on_error = "fail";
  return c;
}

// Preprocessing to `spacing` and `size` (z, y, x) with the default window, int16 storage.
inline data::PreprocessConfig small_preprocess(std::vector<double> spacing, std::vector<std::int64_t> size) {
  data::PreprocessConfig p;
  p.spacing = std::move(spacing);
  p.size = std::move(size);
  p.hu_min = -1000;
  p.hu_max = 1000;
  p.padding_below = -2000;
  p.pad_hu = -1000;
  p.mask_threshold = 0.5;
  p.storage = "int16";
  return p;
}

}  // namespace unict::test

// A fold's run folder and what it holds:
//   config.yaml       the resolved configuration (what `--resume` and `unict evaluate` read)
//   run.json          {"fold", "dataset", "unict_version"}
//   split.json        the fold's patients and volumes (train / val / test)
//   tokenizer.model   the report tokenizer, trained on this fold's training reports only
//   train.log, metrics.jsonl, checkpoints/, training.json   (train/trainer.h)
//   test/, val/, radchestct/                                 (evaluation.h)
// A finished run is never overwritten: starting over needs --force.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/data/dataset_registry.h"
#include "unict/data/splits.h"

namespace unict::experiments {

std::filesystem::path fold_folder(const std::filesystem::path& experiment, std::int64_t fold);

// The files named above (the trainer's own: train/trainer.h), and those of an evaluation folder.
std::filesystem::path config_file(const std::filesystem::path& run_dir);
std::filesystem::path run_info_file(const std::filesystem::path& run_dir);
std::filesystem::path split_file(const std::filesystem::path& run_dir);
std::filesystem::path tokenizer_file(const std::filesystem::path& run_dir);
std::filesystem::path results_file(const std::filesystem::path& evaluation_folder);     // written last: the evaluation is done
std::filesystem::path thresholds_file(const std::filesystem::path& evaluation_folder);  // the per-class operating points

bool training_finished(const std::filesystem::path& run_dir);   // training.json exists
bool training_started(const std::filesystem::path& run_dir);    // a checkpoint exists
// The folder of an evaluation: <run>/<split> for the training data set, <run>/<id> for an
// external one (<run>/radchestct).
std::filesystem::path evaluation_folder(const std::filesystem::path& run_dir, const data::DatasetSpec& dataset, const std::string& split);
bool evaluation_finished(const std::filesystem::path& run_dir, const data::DatasetSpec& dataset, const std::string& split);

// Makes `run_dir` ready for a new run: refuses (Error naming it) when it holds a run, unless
// `force`, which removes it first.
void claim_run_folder(const std::filesystem::path& run_dir, bool force);

// The volumes of each part of a fold, from the splits.
struct FoldVolumes {
  std::int64_t fold = 0;
  std::vector<std::string> train, val, test;
};
FoldVolumes fold_volumes(const data::Splits& splits, std::int64_t fold);
nlohmann::json to_json(const FoldVolumes& volumes);
FoldVolumes read_fold_volumes(const std::filesystem::path& run_dir);

}  // namespace unict::experiments

// A fold's run folder and what it holds:
//   config.yaml       the resolved configuration (what `--resume` and `unict evaluate` read)
//   run.json          {"fold", "dataset", "unict_version"}
//   split.json        the fold's patients and volumes (train / val / test)
//   tokenizer.model   the report tokenizer, trained on this fold's training reports only
//   train.log, metrics.jsonl, checkpoints/, training.json   (train/trainer.h)
//   test/, val/, radchestct/                                 (evaluation.h)
//   .unict.lock       held by the one process that works on the folder (core/folder_lock.h)
// A finished run is never overwritten: starting over needs --force, and --force never replaces a
// folder that a live process holds.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/core/folder_lock.h"
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

// Makes `run_dir` ready for a new run and locks it for this process: refuses (Error naming it) when
// another process holds it, or when it holds a run, unless `force`, which empties it first.
core::FolderLock claim_run_folder(const std::filesystem::path& run_dir, bool force);

// Locks an existing run folder for this process (resume, evaluation, a cross-validation's fold),
// waiting up to `wait_s` seconds for another process to release it; refused with the holder named.
core::FolderLock lock_run_folder(const std::filesystem::path& run_dir, double wait_s = 0);

// The volumes of each part of a fold, from the splits.
struct FoldVolumes {
  std::int64_t fold = 0;
  std::vector<std::string> train, val, test;
};
FoldVolumes fold_volumes(const data::Splits& splits, std::int64_t fold);
nlohmann::json to_json(const FoldVolumes& volumes);
FoldVolumes read_fold_volumes(const std::filesystem::path& run_dir);

}  // namespace unict::experiments

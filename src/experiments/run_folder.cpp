#include "unict/experiments/run_folder.h"

#include "unict/core/error.h"
#include "unict/io/json.h"
#include "unict/train/trainer.h"

namespace unict::experiments {

namespace fs = std::filesystem;

fs::path fold_folder(const fs::path& experiment, std::int64_t fold) { return experiment / ("fold" + std::to_string(fold)); }

fs::path config_file(const fs::path& run_dir) { return run_dir / "config.yaml"; }
fs::path run_info_file(const fs::path& run_dir) { return run_dir / "run.json"; }
fs::path split_file(const fs::path& run_dir) { return run_dir / "split.json"; }
fs::path tokenizer_file(const fs::path& run_dir) { return run_dir / "tokenizer.model"; }
fs::path results_file(const fs::path& evaluation_folder) { return evaluation_folder / "results.json"; }
fs::path thresholds_file(const fs::path& evaluation_folder) { return evaluation_folder / "thresholds.json"; }

bool training_finished(const fs::path& run_dir) { return fs::exists(train::training_outcome_file(run_dir)); }
bool training_started(const fs::path& run_dir) { return fs::exists(train::last_checkpoint(run_dir)); }

fs::path evaluation_folder(const fs::path& run_dir, const data::DatasetSpec& dataset, const std::string& split) {
  return dataset.trains ? run_dir / split : run_dir / dataset.id;
}

bool evaluation_finished(const fs::path& run_dir, const data::DatasetSpec& dataset, const std::string& split) {
  return fs::exists(results_file(evaluation_folder(run_dir, dataset, split)));
}

core::FolderLock claim_run_folder(const fs::path& run_dir, bool force) {
  core::FolderLock lock = core::FolderLock::acquire(
      run_dir, 0, force ? "--force never replaces a folder in use: wait for that process to end, or stop it, then run this again" : "");
  const bool holds_run = training_started(run_dir) || training_finished(run_dir) || fs::exists(config_file(run_dir));
  if (holds_run && !force)
    throw Error(training_finished(run_dir) ? "the folder holds a finished run" : "the folder holds an unfinished run")
        .file(run_dir.string())
        .hint(training_finished(run_dir) ? "pass --force to replace it, or choose another --out"
                                         : "continue it with `unict train --resume " + run_dir.string() + "`, or pass --force to start over");
  if (holds_run)  // everything but the lock this process now holds
    for (const auto& entry : fs::directory_iterator(run_dir))
      if (entry.path() != core::folder_lock_file(run_dir)) fs::remove_all(entry.path());
  return lock;
}

core::FolderLock lock_run_folder(const fs::path& run_dir, double wait_s) {
  if (!fs::is_directory(run_dir)) throw Error("no such run folder").file(run_dir.string());
  return core::FolderLock::acquire(run_dir, wait_s);
}

namespace {

std::vector<std::string> volumes_of(const data::Splits& splits, const std::vector<std::string>& patients) {
  std::vector<std::string> out;
  for (const auto& p : patients) {
    const auto found = splits.volumes_of_patient.find(p);
    if (found == splits.volumes_of_patient.end()) continue;
    out.insert(out.end(), found->second.begin(), found->second.end());
  }
  return out;
}

}  // namespace

FoldVolumes fold_volumes(const data::Splits& splits, std::int64_t fold) {
  if (fold < 0 || fold >= static_cast<std::int64_t>(splits.fold.size()))
    throw Error("no such fold").key("--fold").value(std::to_string(fold)).expected("0 to " + std::to_string(splits.fold.size() - 1));
  const auto& f = splits.fold[static_cast<std::size_t>(fold)];
  return {fold, volumes_of(splits, f.train), volumes_of(splits, f.val), volumes_of(splits, f.test)};
}

nlohmann::json to_json(const FoldVolumes& v) { return {{"fold", v.fold}, {"train", v.train}, {"val", v.val}, {"test", v.test}}; }

FoldVolumes read_fold_volumes(const fs::path& run_dir) {
  const auto file = split_file(run_dir);
  const auto j = io::read_json(file);
  try {
    return {j.at("fold"), j.at("train"), j.at("val"), j.at("test")};
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a fold split: ") + e.what()).file(file.string());
  }
}

}  // namespace unict::experiments

// A sweep: the trainings of `unict cv` (one per fold) or `unict ablate` (one per variant and
// fold) as independent tasks, the way a SLURM job array runs them (slurm_launcher.h). The plan is
// fixed when the sweep is submitted and kept in <experiment>/slurm/:
//   sweep.json               {"kind": "cv" | "ablate", "workdir", "reference", "folds", "external",
//                             "variants": [{"name", "config"}],
//                             "tasks": [{"index", "variant", "fold", "run_dir"}]}
//   configs/<variant>.yaml   each variant's resolved config as it was at submission: what its folds
//                            train with, whatever happens to the YAML files afterwards
//   fold.sbatch, summary.sbatch, jobs.jsonl, logs/   (slurm_launcher.h)
//   tasks/<index>.json       each task's state (sweep_state.h)
// Task i of an ablation is variant i / folds, fold i % folds, in the suite's order; a cv sweep has
// one variant named "cv". The run folders are those of the local launcher (<experiment>/fold<k>,
// <experiment>/<variant>/fold<k>), so the two launchers continue each other's folds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "unict/experiments/ablation.h"
#include "unict/experiments/config.h"
#include "unict/experiments/cross_validation.h"

namespace unict::experiments {

enum class SweepKind { cv, ablate };

struct SweepVariant {
  std::string name;
  std::string config_yaml;       // resolved
  std::string computation_yaml;  // the same with every slurm.* key at its default: what the folds compute with
  std::vector<const data::DatasetSpec*> evaluated;  // what each fold is evaluated on (evaluated_datasets)
};

struct SweepTask {
  std::size_t index = 0;
  std::size_t variant = 0;
  std::int64_t fold = 0;
  std::filesystem::path run_dir;
};

struct Sweep {
  SweepKind kind = SweepKind::cv;
  std::filesystem::path experiment;  // absolute
  std::filesystem::path workdir;     // where it was submitted from: relative paths in the configs are taken from here
  std::string reference;             // ablate: the variant the others are compared with
  std::vector<std::int64_t> folds;
  bool external = false;
  std::vector<SweepVariant> variants;
  std::vector<SweepTask> tasks;
  SlurmConfig slurm;  // the first variant's: every task of one job array gets the same resources
};

// The plan of `unict cv` / `unict ablate` with these options (nothing is written).
Sweep cv_sweep(const LoadedConfig& config, const CvOptions& options);
Sweep ablation_sweep(const std::filesystem::path& suite_file, const AblateOptions& options);

std::filesystem::path sweep_folder(const std::filesystem::path& experiment);  // <experiment>/slurm
std::filesystem::path sweep_plan_file(const std::filesystem::path& experiment);
std::filesystem::path variant_config_file(const Sweep& sweep, std::size_t variant);

// Writes sweep.json and the configs. A folder that already holds a sweep takes the new one when
// the plan computes the same (a resubmission, which may change the slurm section: a longer time
// limit, another partition); another plan (other variants, folds or settings of any other section)
// is an Error naming the first difference, so finished folds are never mixed with folds of another
// config.
void write_sweep(const Sweep& sweep);
// Errors name the file.
Sweep read_sweep(const std::filesystem::path& experiment);

// A variant's config as submitted (configs/<variant>.yaml).
LoadedConfig sweep_variant_config(const Sweep& sweep, std::size_t variant);
const SweepTask& sweep_task(const Sweep& sweep, std::size_t index);  // Error for an index not in the plan
// What the local launcher's options would be for one of the tasks' cross-validations.
CvOptions sweep_cv_options(const Sweep& sweep, std::size_t variant);
bool sweep_task_finished(const Sweep& sweep, const SweepTask& task);
// "no_fusion fold 1" (cv: "fold 1").
std::string describe(const Sweep& sweep, const SweepTask& task);

}  // namespace unict::experiments

// `unict train`, `evaluate`, `cv`, `ablate`, `predict`: training folds, evaluating them,
// cross-validation and ablation suites (here, or submitted to SLURM), and one new scan through a
// trained fold.
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "config_options.h"
#include "launch.h"
#include "sweep_commands.h"
#include "unict/core/error.h"
#include "unict/core/launch_environment.h"
#include "unict/core/log.h"
#include "unict/core/torch_runtime.h"
#include "unict/eval/metric_registry.h"
#include "unict/experiments/ablation.h"
#include "unict/experiments/cross_validation.h"
#include "unict/experiments/evaluation.h"
#include "unict/experiments/fold_training.h"
#include "unict/experiments/prediction.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/json.h"
#include "unict/train/process_group.h"

namespace unict::cli {
namespace {

struct TrainOptions {
  ConfigOptions config;
  std::int64_t fold = 0;
  std::string out, resume;
  bool force = false;
};

// What a rank prints at the end: rank 0 the run folder, the others nothing (their log says it).
bool prints(const std::shared_ptr<train::ProcessGroup>& group) { return !group || group->is_root(); }

void train(const TrainOptions& o, const GlobalOptions& globals) {
  if (!o.resume.empty()) {
    const auto group = join_launch(load_run_config(o.resume, globals).typed);
    const auto outcome = experiments::resume_fold(o.resume, prints(group), {}, group);
    if (prints(group)) std::cout << (outcome.signal ? "stopped; checkpoint in " : "trained: ") << o.resume << "\n";
    return;
  }
  if (o.config.file.empty()) throw Error("--config is required (or --resume RUN)");
  const LoadedConfig loaded = load_config(o.config, globals);
  experiments::FoldTrainOptions options;
  options.group = join_launch(loaded.typed);
  options.show_progress = prints(options.group);
  options.fold = o.fold;
  options.run_dir = o.out;
  options.force = o.force;
  if (options.run_dir.empty()) options.run_dir = experiments::fold_folder(experiments::experiment_folder(loaded.typed), o.fold);
  const auto outcome = experiments::train_fold(loaded, options);
  if (prints(options.group)) std::cout << (outcome.signal ? "stopped; resume with: unict train --resume " : "trained: ") << options.run_dir.string() << "\n";
}

struct EvaluateOptions {
  std::string run, split = "test", dataset = data::training_dataset().id;
  bool force = false;
  std::size_t bootstrap = 1000;
};

// evaluate and predict are single-process commands: launched as several ranks, rank 0 alone runs.
bool other_rank() {
  const auto launch = core::launch_environment_of_this_process();
  if (launch.rank == 0) return false;
  core::set_log_rank(launch.rank);
  spdlog::info("this command runs on rank 0 alone; rank {} has nothing to do", launch.rank);
  return true;
}

void evaluate(const EvaluateOptions& o, const GlobalOptions& globals) {
  if (other_rank()) return;
  core::configure_torch_threads(load_run_config(o.run, globals).typed.run.threads);
  const auto results = experiments::evaluate_run(o.run, {o.dataset, o.split, o.force, o.bootstrap});
  for (const auto& [id, value] : results.metrics.entries())
    std::printf("%-28s %s\n", id.c_str(), value ? eval::format_metric(eval::metric_spec(id), *value).c_str() : "undefined");
  const auto folder = experiments::evaluation_folder(o.run, data::dataset_spec(o.dataset), o.split);
  std::cout << "results: " << experiments::results_file(folder).string() << "\n";
}

// Where the folds of cv and ablate run: here one after the other, or as a SLURM job array.
struct LauncherOptions {
  std::string launcher = "local";
  bool dry_run = false;
};

void add_launcher_options(CLI::App& cmd, LauncherOptions& o) {
  cmd.add_option("--launcher", o.launcher, "local: the folds one after the other in this process; slurm: one job array task per fold, "
                                           "with the `slurm` section's resources (docs/cluster.md)")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  cmd.add_flag("--dry-run", o.dry_run, "With --launcher slurm: print the batch scripts, write and submit nothing");
}

void check_launcher(const LauncherOptions& o) {
  if (o.dry_run && o.launcher != "slurm") throw Error("--dry-run is for --launcher slurm").key("--dry-run");
  if (o.launcher == "slurm" && core::launch_environment_of_this_process().distributed())
    throw Error("--launcher slurm submits the folds; run it once, not as several ranks").key("--launcher");
}

struct CvCommandOptions {
  ConfigOptions config;
  std::string folds, out;
  bool no_external = false;
  LauncherOptions launch;
};

void cv(const CvCommandOptions& o, const GlobalOptions& globals) {
  check_launcher(o.launch);
  const LoadedConfig loaded = load_config(o.config, globals);
  experiments::CvOptions options;
  if (!o.folds.empty()) options.folds = experiments::parse_folds(o.folds, loaded.typed.split.folds);
  options.out = o.out;
  options.external = !o.no_external;
  if (o.launch.launcher == "slurm") return submit_sweep(experiments::cv_sweep(loaded, options), o.launch.dry_run);
  options.group = join_launch(loaded.typed);
  const auto experiment = experiments::run_cross_validation(loaded, options);
  if (!prints(options.group) || !std::filesystem::exists(experiment / "summary.json")) return;  // rank > 0, or stopped by a signal
  std::cout << "\n" << experiments::summary_markdown(experiments::read_fold_summary(experiment / "summary.json")) << "\n";
  std::cout << "summary: " << (experiment / "summary.md").string() << " (also .json, .csv); folds in " << experiment.string() << "/fold<k>/\n";
}

struct AblateCommandOptions {
  std::string suite, out, folds;
  std::vector<std::string> overrides;
  bool external = false;
  LauncherOptions launch;
};

void ablate(const AblateCommandOptions& o, const GlobalOptions& globals) {
  check_launcher(o.launch);
  experiments::AblateOptions options;
  options.out = o.out;
  options.overrides = o.overrides;
  options.external = o.external;
  const auto suite = experiments::read_ablation_suite(o.suite);
  // run.threads, run.log_level and the distributed section: the first variant's, as it trains first.
  auto first_overrides = suite.variants.front().overrides;
  first_overrides.insert(first_overrides.end(), o.overrides.begin(), o.overrides.end());
  const auto first = load_config({suite.variants.front().config.string(), first_overrides}, globals).typed;
  if (!o.folds.empty()) options.folds = experiments::parse_folds(o.folds, first.split.folds);
  if (o.launch.launcher == "slurm") return submit_sweep(experiments::ablation_sweep(o.suite, options), o.launch.dry_run);
  options.group = join_launch(first);
  const auto table = experiments::run_ablation(o.suite, options);
  if (!prints(options.group)) return;
  const auto out = experiments::ablation_folder(o.suite, options);
  std::cout << "\n" << experiments::ablation_markdown(table) << "\ntable: " << (out / "ablation.md").string() << " (also .json, .csv)\n";
}

struct PredictOptions {
  std::string run, input, out;
  bool force = false;
};

void predict(const PredictOptions& o, const GlobalOptions& globals) {
  if (other_rank()) return;
  core::configure_torch_threads(load_run_config(o.run, globals).typed.run.threads);
  const auto result = experiments::predict_scan(o.run, o.input, o.out, o.force);
  if (result["probabilities"].is_object())
    for (const auto& [name, p] : result["probabilities"].items()) std::printf("%-30s %.4f\n", name.c_str(), p.get<double>());
  if (result.contains("report")) std::cout << "report: " << result["report"].get<std::string>() << "\n";
  std::cout << "written to " << o.out << "\n";
}

}  // namespace

void add_train_commands(CLI::App& app, const GlobalOptions& globals) {
  auto t = std::make_shared<TrainOptions>();
  CLI::App* train_cmd = app.add_subcommand("train", "Train one cross-validation fold (or continue a stopped run with --resume)");
  train_cmd->add_option("--config,-c", t->config.file, "YAML config file");
  train_cmd->add_option("--set", t->config.overrides, "Override a key: --set train.lr=0.0003 (repeatable)")->allow_extra_args(false);
  train_cmd->add_option("--fold", t->fold, "Fold to train (0-based)")->capture_default_str();
  train_cmd->add_option("--out,-o", t->out, "Run folder (default: <run.output_root>/<run.name>/fold<k>)");
  train_cmd->add_option("--resume", t->resume, "Continue the run in this folder from its last checkpoint")->excludes("--config");
  train_cmd->add_flag("--force", t->force, "Replace a run already in the run folder");
  train_cmd->callback([t, &globals] { train(*t, globals); });

  auto e = std::make_shared<EvaluateOptions>();
  CLI::App* eval_cmd = app.add_subcommand("evaluate", "Evaluate a trained fold: predictions, masks, reports, results.json");
  eval_cmd->add_option("--run", e->run, "Run folder of a trained fold")->required()->check(CLI::ExistingDirectory);
  eval_cmd->add_option("--split", e->split, "Volumes of the fold to evaluate")->check(CLI::IsMember({"test", "val"}))->capture_default_str();
  eval_cmd->add_option("--dataset", e->dataset, dataset_choices())->check(CLI::IsMember(data::dataset_ids()))->capture_default_str();
  eval_cmd->add_option("--bootstrap", e->bootstrap, "Resamples of the 95 % intervals")->capture_default_str();
  eval_cmd->add_flag("--force", e->force, "Redo an evaluation that exists");
  eval_cmd->callback([e, &globals] { evaluate(*e, globals); });

  auto c = std::make_shared<CvCommandOptions>();
  CLI::App* cv_cmd = app.add_subcommand("cv", "Cross-validation: train and evaluate every fold, then summary.{json,md,csv}");
  add_config_options(*cv_cmd, c->config);
  cv_cmd->add_option("--folds", c->folds, "Folds to run: 0-4, 0,2 (default: all)");
  cv_cmd->add_option("--out,-o", c->out, "Experiment folder (default: <run.output_root>/<run.name>)");
  cv_cmd->add_flag("--no-external", c->no_external, "Skip the RAD-ChestCT evaluation");
  add_launcher_options(*cv_cmd, c->launch);
  cv_cmd->callback([c, &globals] { cv(*c, globals); });

  auto a = std::make_shared<AblateCommandOptions>();
  CLI::App* ablate_cmd = app.add_subcommand("ablate", "Cross-validate every variant of an ablation suite and write the ablation table");
  ablate_cmd->add_option("--config,-c", a->suite, "Ablation suite (configs/ablations/suite.yaml)")->required()->check(CLI::ExistingFile);
  ablate_cmd->add_option("--out,-o", a->out, "Output folder (default: runs/ablation_<suite name>)");
  ablate_cmd->add_option("--folds", a->folds, "Folds to run: 0-4, 0,2 (default: all)");
  ablate_cmd->add_option("--set", a->overrides, "Override a key in every variant (repeatable)")->allow_extra_args(false);
  ablate_cmd->add_flag("--external", a->external, "Also evaluate every variant on RAD-ChestCT");
  add_launcher_options(*ablate_cmd, a->launch);
  ablate_cmd->callback([a, &globals] { ablate(*a, globals); });

  auto p = std::make_shared<PredictOptions>();
  CLI::App* predict_cmd = app.add_subcommand("predict", "One new scan through a trained fold: probabilities, masks, report");
  predict_cmd->add_option("--run", p->run, "Run folder of a trained fold")->required()->check(CLI::ExistingDirectory);
  predict_cmd->add_option("--input,-i", p->input, "CT volume (NIfTI, HU)")->required()->check(CLI::ExistingFile);
  predict_cmd->add_option("--out,-o", p->out, "Output folder")->required();
  predict_cmd->add_flag("--force", p->force, "Replace an earlier prediction in --out");
  predict_cmd->callback([p, &globals] { predict(*p, globals); });
}

}  // namespace unict::cli

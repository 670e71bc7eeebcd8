#include "unict/experiments/sweep.h"

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/json.h"

namespace unict::experiments {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCvVariant = "cv";

std::string kind_name(SweepKind kind) { return kind == SweepKind::cv ? "cv" : "ablate"; }

void add_tasks(Sweep& sweep) {
  for (std::size_t v = 0; v < sweep.variants.size(); ++v)
    for (auto fold : sweep.folds) {
      const fs::path base = sweep.kind == SweepKind::cv ? sweep.experiment : sweep.experiment / sweep.variants[v].name;
      sweep.tasks.push_back({sweep.tasks.size(), v, fold, fold_folder(base, fold)});
    }
}

// What the folds compute with: the config with the launcher's own settings at their defaults.
std::string computation_yaml(core::ResolvedConfig resolved) {
  for (const auto& key : resolved.schema().keys())
    if (key.path.rfind(std::string(slurm_section().name()) + ".", 0) == 0) resolved.set(key.path, key.default_value, "default");
  return resolved.to_yaml();
}

SweepVariant make_variant(const std::string& name, const LoadedConfig& config, bool external) {
  return {name, config.resolved.to_yaml(), computation_yaml(config.resolved), evaluated_datasets(config.typed, external)};
}

nlohmann::json to_json(const Sweep& sweep) {
  nlohmann::json variants = nlohmann::json::array(), tasks = nlohmann::json::array();
  for (std::size_t v = 0; v < sweep.variants.size(); ++v)
    variants.push_back({{"name", sweep.variants[v].name}, {"config", variant_config_file(sweep, v).string()}});
  for (const auto& t : sweep.tasks)
    tasks.push_back({{"index", t.index}, {"variant", sweep.variants[t.variant].name}, {"fold", t.fold}, {"run_dir", t.run_dir.string()}});
  return {{"kind", kind_name(sweep.kind)}, {"workdir", sweep.workdir.string()}, {"reference", sweep.reference}, {"folds", sweep.folds},
          {"external", sweep.external}, {"variants", variants}, {"tasks", tasks}};
}

}  // namespace

fs::path sweep_folder(const fs::path& experiment) { return experiment / "slurm"; }
fs::path sweep_plan_file(const fs::path& experiment) { return sweep_folder(experiment) / "sweep.json"; }
fs::path variant_config_file(const Sweep& sweep, std::size_t variant) {
  return sweep_folder(sweep.experiment) / "configs" / (sweep.variants.at(variant).name + ".yaml");
}

Sweep cv_sweep(const LoadedConfig& config, const CvOptions& options) {
  Sweep sweep;
  sweep.kind = SweepKind::cv;
  sweep.workdir = fs::current_path();
  sweep.experiment = fs::absolute(cv_experiment_folder(config.typed, options)).lexically_normal();
  sweep.folds = cv_folds(config.typed, options);
  sweep.external = options.external;
  sweep.variants.push_back(make_variant(kCvVariant, config, sweep.external));
  sweep.slurm = config.typed.slurm;
  add_tasks(sweep);
  return sweep;
}

Sweep ablation_sweep(const fs::path& suite_file, const AblateOptions& options) {
  const auto suite = read_ablation_suite(suite_file);
  Sweep sweep;
  sweep.kind = SweepKind::ablate;
  sweep.workdir = fs::current_path();
  sweep.experiment = fs::absolute(ablation_folder(suite_file, options)).lexically_normal();
  sweep.reference = suite.reference;
  sweep.external = options.external;
  for (const auto& v : suite.variants) {
    const auto config = variant_config(v, options.overrides);
    const auto folds = cv_folds(config.typed, variant_cv_options(options, sweep.experiment, v));
    if (sweep.variants.empty()) sweep.folds = folds, sweep.slurm = config.typed.slurm;
    if (folds != sweep.folds)
      throw Error("the variants split into different numbers of folds").key("split.folds").value(v.name).hint("give every variant the same split.folds");
    sweep.variants.push_back(make_variant(v.name, config, sweep.external));
  }
  add_tasks(sweep);
  return sweep;
}

void write_sweep(const Sweep& sweep) {
  const auto plan_file = sweep_plan_file(sweep.experiment);
  if (fs::exists(plan_file)) {
    const Sweep before = read_sweep(sweep.experiment);
    const auto refuse = [&](const std::string& what, const std::string& value) {
      throw Error("this folder holds a sweep with other " + what + "; its finished folds would be mixed with the new plan's")
          .file(plan_file.string())
          .value(value)
          .hint("submit to another --out, or delete the folder to start over");
    };
    if (before.kind != sweep.kind) refuse("commands", kind_name(before.kind));
    if (before.folds != sweep.folds) refuse("folds", nlohmann::json(before.folds).dump());
    if (before.external != sweep.external) refuse("external evaluations", before.external ? "with RAD-ChestCT" : "without RAD-ChestCT");
    if (before.variants.size() != sweep.variants.size()) refuse("variants", std::to_string(before.variants.size()) + " variants");
    for (std::size_t v = 0; v < sweep.variants.size(); ++v) {
      if (before.variants[v].name != sweep.variants[v].name) refuse("variants", before.variants[v].name);
      if (before.variants[v].computation_yaml != sweep.variants[v].computation_yaml) refuse("settings", variant_config_file(before, v).string());
    }
  }
  fs::create_directories(sweep_folder(sweep.experiment) / "configs");
  for (std::size_t v = 0; v < sweep.variants.size(); ++v) core::write_file_atomic(variant_config_file(sweep, v), sweep.variants[v].config_yaml);
  io::write_json(plan_file, to_json(sweep));  // last: a plan file means the configs are there
}

Sweep read_sweep(const fs::path& experiment) {
  const auto file = sweep_plan_file(experiment);
  if (!fs::exists(file)) throw Error("no sweep was submitted to this folder (no slurm/sweep.json)").file(experiment.string());
  const auto j = io::read_json(file);
  Sweep sweep;
  try {
    const auto kind = j.at("kind").get<std::string>();
    if (kind != "cv" && kind != "ablate") throw Error("unknown sweep kind").file(file.string()).key("kind").value(kind).expected("cv or ablate");
    sweep.kind = kind == "cv" ? SweepKind::cv : SweepKind::ablate;
    sweep.experiment = fs::absolute(experiment).lexically_normal();
    sweep.workdir = j.at("workdir").get<std::string>();
    sweep.reference = j.at("reference").get<std::string>();
    sweep.folds = j.at("folds").get<std::vector<std::int64_t>>();
    sweep.external = j.at("external").get<bool>();
    for (const auto& v : j.at("variants")) {
      const auto name = v.at("name").get<std::string>();
      sweep.variants.push_back({name, "", "", {}});
      const auto config = load_config(variant_config_file(sweep, sweep.variants.size() - 1));
      sweep.variants.back() = make_variant(name, config, sweep.external);
      if (sweep.variants.size() == 1) sweep.slurm = config.typed.slurm;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a sweep plan: ") + e.what()).file(file.string());
  }
  add_tasks(sweep);
  return sweep;
}

LoadedConfig sweep_variant_config(const Sweep& sweep, std::size_t variant) { return load_config(variant_config_file(sweep, variant)); }

const SweepTask& sweep_task(const Sweep& sweep, std::size_t index) {
  if (index >= sweep.tasks.size())
    throw Error("no such task in the sweep")
        .file(sweep_plan_file(sweep.experiment).string())
        .value(std::to_string(index))
        .expected("0 to " + std::to_string(sweep.tasks.size() - 1));
  return sweep.tasks[index];
}

CvOptions sweep_cv_options(const Sweep& sweep, std::size_t variant) {
  CvOptions cv;
  cv.out = sweep.kind == SweepKind::cv ? sweep.experiment : sweep.experiment / sweep.variants.at(variant).name;
  cv.folds = sweep.folds;
  cv.external = sweep.external;
  return cv;
}

bool sweep_task_finished(const Sweep& sweep, const SweepTask& task) { return fold_finished(task.run_dir, sweep.variants.at(task.variant).evaluated); }

std::string describe(const Sweep& sweep, const SweepTask& task) {
  return (sweep.kind == SweepKind::cv ? std::string() : sweep.variants[task.variant].name + " ") + "fold " + std::to_string(task.fold);
}

}  // namespace unict::experiments

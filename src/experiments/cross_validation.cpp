#include "unict/experiments/cross_validation.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/data/dataset_registry.h"
#include "unict/eval/classification_report.h"
#include "unict/eval/figures.h"
#include "unict/experiments/config.h"
#include "unict/experiments/evaluation.h"
#include "unict/experiments/fold_training.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"
#include "unict/train/process_group.h"

namespace unict::experiments {

namespace fs = std::filesystem;

std::vector<std::int64_t> parse_folds(const std::string& text, std::int64_t fold_count) {
  std::set<std::int64_t> folds;
  const auto bad = [&] { return Error("not a fold list").key("--folds").value(text).expected("such as 0-4 or 0,2,3, folds 0 to " + std::to_string(fold_count - 1)); };
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    try {
      const auto dash = part.find('-');
      std::size_t used = 0;
      const std::int64_t first = std::stoll(part.substr(0, dash), &used);
      std::int64_t last = first;
      if (dash != std::string::npos) last = std::stoll(part.substr(dash + 1));
      if (first < 0 || last >= fold_count || first > last) throw bad();
      for (std::int64_t f = first; f <= last; ++f) folds.insert(f);
    } catch (const std::invalid_argument&) {
      throw bad();
    } catch (const std::out_of_range&) {
      throw bad();
    }
  }
  if (folds.empty()) throw bad();
  return {folds.begin(), folds.end()};
}

// Pooled test predictions of all folds: each volume is in exactly one test set.
std::optional<eval::ScoredCases> pooled_predictions(const fs::path& experiment, const std::vector<std::int64_t>& folds, const std::string& part) {
  eval::ScoredCases pooled;
  for (auto f : folds) {
    const auto folder = fold_folder(experiment, f) / part;
    if (!fs::exists(folder / "predictions_cls.csv")) return std::nullopt;
    const auto cases = eval::read_scored_cases(folder / "predictions_cls.csv", folder / "labels_cls.csv");
    if (pooled.classes.empty()) pooled.classes = cases.classes;
    pooled.names.insert(pooled.names.end(), cases.names.begin(), cases.names.end());
    pooled.scores.insert(pooled.scores.end(), cases.scores.begin(), cases.scores.end());
    pooled.labels.insert(pooled.labels.end(), cases.labels.begin(), cases.labels.end());
  }
  return pooled;
}

namespace {

std::optional<double> number_or_null(const nlohmann::json& v) { return v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt; }
nlohmann::json json_or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

// A summary name's external data set, if it starts with one's id, and the metric id.
std::pair<std::string, std::string> split_summary_name(const std::string& name) {
  for (const auto& d : data::dataset_registry())
    if (!d.trains && name.rfind(d.id + ".", 0) == 0) return {d.id, name.substr(d.id.size() + 1)};
  return {"", name};
}

MetricSummary summarize_metric(std::vector<std::optional<double>> per_fold) {
  MetricSummary m;
  m.folds = std::move(per_fold);
  std::vector<double> present;
  for (const auto& x : m.folds)
    if (x) present.push_back(*x);
  if (present.empty()) return m;
  double mean = 0, ss = 0;
  for (double x : present) mean += x / static_cast<double>(present.size());
  for (double x : present) ss += (x - mean) * (x - mean);
  m.mean = mean;
  if (present.size() > 1) m.std = std::sqrt(ss / static_cast<double>(present.size() - 1));
  return m;
}

std::string cell(const std::string& name, const std::optional<double>& v, const std::string& missing) {
  return v ? eval::format_metric(summary_metric(name), *v) : missing;
}

void write_summary_csv(const fs::path& file, const FoldSummary& summary) {
  std::vector<std::string> header{"metric", "mean", "std", "pooled", "ci95_lower", "ci95_upper"};
  for (auto f : summary.folds) header.push_back("fold" + std::to_string(f));
  std::vector<std::vector<std::string>> rows;
  for (const auto& name : summary_order(summary.metrics)) {
    const auto& m = summary.metrics.at(name);
    std::string lower, upper;
    if (m.ci95) lower = cell(name, m.ci95->first, ""), upper = cell(name, m.ci95->second, "");
    rows.push_back({name, cell(name, m.mean, ""), cell(name, m.std, ""), cell(name, m.pooled, ""), lower, upper});
    for (const auto& v : m.folds) rows.back().push_back(cell(name, v, ""));
  }
  io::write_csv(file, header, rows);
}

}  // namespace

const eval::MetricSpec& summary_metric(const std::string& name) {
  const auto& spec = eval::metric_spec(split_summary_name(name).second);
  if (spec.stage != eval::MetricStage::evaluation) throw Error("not an evaluation metric").value(name);
  return spec;
}

std::vector<std::string> summary_order(const std::map<std::string, MetricSummary>& metrics) {
  const auto rank = [](const std::string& name) {
    const std::string dataset = split_summary_name(name).first;
    const auto& registry = eval::metric_registry();
    const auto& spec = summary_metric(name);
    const auto& datasets = data::dataset_registry();
    const auto d = std::find_if(datasets.begin(), datasets.end(), [&](const data::DatasetSpec& s) { return dataset.empty() ? s.trains : s.id == dataset; });
    return std::pair<std::ptrdiff_t, std::ptrdiff_t>{d - datasets.begin(), &spec - registry.data()};
  };
  std::vector<std::string> names;
  for (const auto& [name, m] : metrics) names.push_back(name);
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  return names;
}

nlohmann::json to_json(const FoldSummary& s) {
  nlohmann::json j{{"folds", s.folds}, {"tasks", core::task_names(s.tasks)}, {"metrics", nlohmann::json::object()},
                   {"pooled", nlohmann::json::object()}, {"attention", nullptr}};
  for (const auto& [name, m] : s.metrics) {
    nlohmann::json per_fold = nlohmann::json::array();
    for (const auto& v : m.folds) per_fold.push_back(json_or_null(v));
    j["metrics"][name] = {{"mean", json_or_null(m.mean)}, {"std", json_or_null(m.std)}, {"folds", per_fold}, {"pooled", json_or_null(m.pooled)},
                          {"ci95", m.ci95 ? nlohmann::json{m.ci95->first, m.ci95->second} : nlohmann::json(nullptr)}};
  }
  if (s.pooled_cls) j["pooled"][std::string(core::task_name(core::Task::cls))] = eval::to_json(*s.pooled_cls);
  if (s.attention) j["attention"] = {{"tasks", s.attention->tasks}, {"mean", s.attention->mean}, {"folds", s.attention_folds}};
  return j;
}

FoldSummary read_fold_summary(const fs::path& file) {
  const auto j = io::read_json(file);
  FoldSummary s;
  try {
    s.folds = j.at("folds").get<std::vector<std::int64_t>>();
    s.tasks = core::parse_tasks(j.at("tasks").get<std::vector<std::string>>());
    for (const auto& [name, m] : j.at("metrics").items()) {
      summary_metric(name);  // declared
      MetricSummary out;
      for (const auto& v : m.at("folds")) out.folds.push_back(number_or_null(v));
      out.mean = number_or_null(m.at("mean")), out.std = number_or_null(m.at("std")), out.pooled = number_or_null(m.at("pooled"));
      if (m.at("ci95").is_array()) out.ci95 = {{m["ci95"][0].get<double>(), m["ci95"][1].get<double>()}};
      s.metrics[name] = out;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a fold summary: ") + e.what()).file(file.string()).hint("summarize the folds again with `unict cv`");
  } catch (Error& e) {
    throw e.file(file.string());
  }
  return s;
}

FoldSummary summarize_folds(const fs::path& experiment, const std::vector<std::int64_t>& folds) {
  FoldSummary summary;
  summary.folds = folds;
  std::map<std::string, std::vector<std::optional<double>>> values;
  std::vector<std::vector<double>> attention_sum;
  std::vector<std::string> attention_tasks;
  for (std::size_t i = 0; i < folds.size(); ++i) {
    for (const auto& dataset : data::dataset_registry()) {
      const auto file = results_file(evaluation_folder(fold_folder(experiment, folds[i]), dataset, "test"));
      if (!fs::exists(file)) continue;
      const auto scored = read_scored_metrics(file);
      if (dataset.trains) summary.tasks = scored.tasks;
      const std::string prefix = dataset.trains ? "" : dataset.id + ".";
      for (const auto& [id, value] : scored.metrics.entries()) {
        auto& v = values[prefix + id];
        v.resize(folds.size());
        v[i] = value;
      }
      if (!dataset.trains) continue;
      const auto results = io::read_json(file);
      if (!results.contains("attention")) continue;
      const auto m = results["attention"]["mean"].get<std::vector<std::vector<double>>>();
      if (attention_sum.empty()) {
        attention_sum.assign(m.size(), std::vector<double>(m.size(), 0.0));
        attention_tasks = results["attention"]["tasks"].get<std::vector<std::string>>();
      }
      for (std::size_t r = 0; r < m.size(); ++r)
        for (std::size_t c = 0; c < m.size(); ++c) attention_sum[r][c] += m[r][c];
      ++summary.attention_folds;
    }
  }
  for (auto& [name, v] : values) {
    v.resize(folds.size());
    summary.metrics[name] = summarize_metric(v);
  }
  // The pooled metrics: all folds' test predictions together, with patient-bootstrap intervals.
  // (An external data set is not pooled: every fold's model saw the same volumes.)
  const auto pooled = pooled_predictions(experiment, folds, "test");
  if (pooled) {
    summary.pooled_cls = eval::classification_report(*pooled, {}, 1000, 0);
    const auto& names = eval::classification_metric_names();
    const auto& report = *summary.pooled_cls;
    for (std::size_t k = 0; k < names.size() && k < report.result.macro.size(); ++k) {
      const auto& spec = eval::classification_metric(names[k]);
      const auto found = summary.metrics.find(spec.id);
      if (!spec.pooled || !report.result.macro[k] || found == summary.metrics.end()) continue;
      found->second.pooled = report.result.macro[k];
      if (k < report.macro_intervals.size() && report.macro_intervals[k])
        found->second.ci95 = {{report.macro_intervals[k]->lower, report.macro_intervals[k]->upper}};
    }
  }
  if (summary.attention_folds > 0) {
    for (auto& row : attention_sum)
      for (auto& x : row) x /= static_cast<double>(summary.attention_folds);
    summary.attention = TaskAttention{attention_tasks, attention_sum};
    if (attention_tasks.size() > 1)
      eval::plot_attention(attention_sum, attention_tasks, "task attention, mean over " + std::to_string(summary.attention_folds) + " folds",
                           experiment / "attention_mean.png");
  }
  if (pooled) eval::plot_roc_pr(*pooled, experiment / "roc_pr_pooled.png");

  core::write_file_atomic(experiment / "summary.md", summary_markdown(summary));
  write_summary_csv(experiment / "summary.csv", summary);
  io::write_json(experiment / "summary.json", to_json(summary));  // last: its presence means the summary is complete
  return summary;
}

std::string summary_markdown(const FoldSummary& summary) {
  std::string out = "| metric | mean ± std over folds | pooled (95 % CI) | folds |\n|---|---|---|---|\n";
  for (const auto& name : summary_order(summary.metrics)) {
    const auto& m = summary.metrics.at(name);
    std::string folds;
    for (const auto& v : m.folds) folds += (folds.empty() ? "" : " ") + cell(name, v, "-");
    out += "| " + name + " | " + cell(name, m.mean, "-") + " ± " + cell(name, m.std, "-") + " | " + cell(name, m.pooled, "") +
           (m.ci95 ? " (" + cell(name, m.ci95->first, "") + " – " + cell(name, m.ci95->second, "") + ")" : "") + " | " + folds + " |\n";
  }
  return out;
}

std::vector<const data::DatasetSpec*> evaluated_datasets(const Config& config, bool external) {
  std::vector<const data::DatasetSpec*> evaluated{&data::training_dataset()};
  if (external)
    for (const auto* d : data::external_datasets(config.data)) evaluated.push_back(d);
  return evaluated;
}

bool fold_finished(const fs::path& run_dir, const std::vector<const data::DatasetSpec*>& evaluated) {
  return std::all_of(evaluated.begin(), evaluated.end(), [&](const data::DatasetSpec* d) { return evaluation_finished(run_dir, *d, "test"); });
}

int run_cv_fold(const LoadedConfig& config, std::int64_t fold, const fs::path& run_dir, const CvOptions& options) {
  const auto evaluated = evaluated_datasets(config.typed, options.external);
  const auto& group = options.group;
  const bool root = !group || group->is_root();
  // Rank 0 holds the fold's folder before it looks at it: a requeued SLURM attempt whose earlier
  // attempt is still ending waits for it (slurm.previous_attempt_wait_s) instead of deciding on a
  // folder that is being written.
  core::FolderLock lock;
  if (root) lock = core::FolderLock::acquire(run_dir, options.lock_wait_s);  // creates the folder of a fold not started yet
  // Rank 0's view of the folder decides, so that every rank takes the same path.
  const auto decide = [&](const std::string& what, const std::string& mine) { return group ? group->share_from_root(what, mine) : mine; };
  const std::string plan = decide("fold plan", fold_finished(run_dir, evaluated)    ? "skip"
                                               : training_finished(run_dir) ? "evaluate"
                                               : training_started(run_dir)  ? "resume"
                                                                            : "train");
  if (plan == "skip") {
    spdlog::info("fold {}: finished earlier ({}), skipped", fold, run_dir.string());
    return 0;
  }
  if (plan == "resume") {
    spdlog::info("fold {}: resuming the unfinished training in {}", fold, run_dir.string());
    const auto outcome = resume_fold(run_dir, options.show_progress && root, {}, group);
    if (outcome.signal) return outcome.signal;
  } else if (plan == "train") {
    FoldTrainOptions train_options;
    train_options.fold = fold;
    train_options.run_dir = run_dir;
    train_options.show_progress = options.show_progress && root;
    train_options.group = group;
    const auto outcome = train_fold(config, train_options);
    if (outcome.signal) return outcome.signal;
  }
  if (root)
    for (const auto* d : evaluated)
      if (!evaluation_finished(run_dir, *d, "test")) evaluate_run(run_dir, {d->id, "test", true, 1000});
  if (group) group->share_from_root("fold evaluated", "", train::ProcessGroup::kRootWorkWait);
  return 0;
}

fs::path cv_experiment_folder(const Config& config, const CvOptions& options) {
  return options.out.empty() ? config.run.output_root / config.run.name : options.out;
}

std::vector<std::int64_t> cv_folds(const Config& config, const CvOptions& options) {
  return options.folds.empty() ? parse_folds("0-" + std::to_string(config.split.folds - 1), config.split.folds) : options.folds;
}

fs::path run_cross_validation(const LoadedConfig& config, const CvOptions& options) {
  const fs::path experiment = cv_experiment_folder(config.typed, options);
  const auto folds = cv_folds(config.typed, options);
  const auto& group = options.group;
  core::FolderLock lock;  // one cross-validation per experiment folder
  if (!group || group->is_root()) lock = core::FolderLock::acquire(experiment);
  for (auto fold : folds)
    if (run_cv_fold(config, fold, fold_folder(experiment, fold), options) != 0) return experiment;  // stopped by a signal
  if (!group || group->is_root()) summarize_folds(experiment, folds);
  if (group) group->share_from_root("folds summarised", "", train::ProcessGroup::kRootWorkWait);
  return experiment;
}

}  // namespace unict::experiments

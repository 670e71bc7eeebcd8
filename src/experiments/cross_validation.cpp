#include "unict/experiments/cross_validation.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/eval/classification_report.h"
#include "unict/eval/figures.h"
#include "unict/experiments/config.h"
#include "unict/experiments/evaluation.h"
#include "unict/experiments/fold_training.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"

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

std::string fixed(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}

}  // namespace

nlohmann::json summarize_folds(const fs::path& experiment, const std::vector<std::int64_t>& folds) {
  std::map<std::string, std::vector<std::optional<double>>> values;
  std::vector<std::vector<double>> attention_sum;
  std::vector<std::string> tasks;
  std::size_t attention_folds = 0;
  for (std::size_t i = 0; i < folds.size(); ++i) {
    for (const auto& [part, prefix] : {std::pair<std::string, std::string>{"test", ""}, {"radchestct", "radchestct."}}) {
      const auto file = results_file(fold_folder(experiment, folds[i]) / part);
      if (!fs::exists(file)) continue;
      const auto results = io::read_json(file);
      for (const auto& [name, value] : flat_metrics(results)) {
        auto& v = values[prefix + name];
        v.resize(folds.size());
        v[i] = value;
      }
      if (part == "test" && results.contains("attention")) {
        const auto m = results["attention"]["mean"].get<std::vector<std::vector<double>>>();
        if (attention_sum.empty()) attention_sum.assign(m.size(), std::vector<double>(m.size(), 0.0)), tasks = results["attention"]["tasks"].get<std::vector<std::string>>();
        for (std::size_t r = 0; r < m.size(); ++r)
          for (std::size_t c = 0; c < m.size(); ++c) attention_sum[r][c] += m[r][c];
        ++attention_folds;
      }
    }
  }
  nlohmann::json summary{{"folds", folds}, {"metrics", nlohmann::json::object()}, {"pooled", nlohmann::json::object()}};
  // Threshold-free metrics of all folds' test predictions pooled, with patient-bootstrap
  // intervals. (Threshold metrics are left out: each fold has its own thresholds.)
  struct Pooled {
    double value = 0;
    std::optional<std::pair<double, double>> interval;
  };
  std::map<std::string, Pooled> pooled_metrics;
  // (RAD-ChestCT is not pooled: every fold's model saw the same volumes.)
  if (const auto pooled = pooled_predictions(experiment, folds, "test")) {
    const std::string prefix = "cls.";
    const auto report = eval::classification_report(*pooled, {}, 1000, 0);
    summary["pooled"]["cls"] = eval::to_json(report);
    const auto& names = eval::classification_metric_names();
    for (std::size_t k = 0; k < names.size() && k < report.result.macro.size(); ++k) {
      if ((names[k] != "auroc" && names[k] != "ap") || !report.result.macro[k]) continue;
      Pooled p{*report.result.macro[k], std::nullopt};
      if (k < report.macro_intervals.size() && report.macro_intervals[k]) p.interval = {{report.macro_intervals[k]->lower, report.macro_intervals[k]->upper}};
      pooled_metrics[prefix + names[k] + "_macro"] = p;
    }
  }
  for (const auto& [name, v] : values) {
    std::vector<double> present;
    nlohmann::json per_fold = nlohmann::json::array();
    for (const auto& x : v) {
      per_fold.push_back(x ? nlohmann::json(*x) : nlohmann::json(nullptr));
      if (x) present.push_back(*x);
    }
    double mean = 0, ss = 0;
    for (double x : present) mean += x / static_cast<double>(present.size());
    for (double x : present) ss += (x - mean) * (x - mean);
    nlohmann::json entry{{"mean", present.empty() ? nlohmann::json(nullptr) : nlohmann::json(mean)},
                         {"std", present.size() > 1 ? nlohmann::json(std::sqrt(ss / static_cast<double>(present.size() - 1))) : nlohmann::json(nullptr)},
                         {"folds", per_fold},
                         {"pooled", nullptr},
                         {"ci95", nullptr}};
    if (const auto found = pooled_metrics.find(name); found != pooled_metrics.end()) {
      entry["pooled"] = found->second.value;
      if (found->second.interval) entry["ci95"] = {found->second.interval->first, found->second.interval->second};
    }
    summary["metrics"][name] = entry;
  }
  summary["attention"] = nullptr;
  if (attention_folds > 0) {
    for (auto& row : attention_sum)
      for (auto& x : row) x /= static_cast<double>(attention_folds);
    summary["attention"] = {{"tasks", tasks}, {"mean", attention_sum}, {"folds", attention_folds}};
    if (tasks.size() > 1)
      eval::plot_attention(attention_sum, tasks, "task attention, mean over " + std::to_string(attention_folds) + " folds",
                           experiment / "attention_mean.png");
  }
  if (const auto pooled = pooled_predictions(experiment, folds, "test")) eval::plot_roc_pr(*pooled, experiment / "roc_pr_pooled.png");

  io::write_json(experiment / "summary.json", summary);
  core::write_file_atomic(experiment / "summary.md", summary_markdown(summary));
  std::vector<std::string> header{"metric", "mean", "std", "pooled", "ci95_lower", "ci95_upper"};
  for (auto f : folds) header.push_back("fold" + std::to_string(f));
  std::vector<std::vector<std::string>> rows;
  const auto cell = [](const nlohmann::json& v) { return v.is_number() ? fixed(v.get<double>()) : std::string(); };
  for (const auto& [name, m] : summary["metrics"].items()) {
    rows.push_back({name, cell(m["mean"]), cell(m["std"]), cell(m["pooled"]), m["ci95"].is_array() ? cell(m["ci95"][0]) : "",
                    m["ci95"].is_array() ? cell(m["ci95"][1]) : ""});
    for (const auto& v : m["folds"]) rows.back().push_back(cell(v));
  }
  io::write_csv(experiment / "summary.csv", header, rows);
  return summary;
}

std::string summary_markdown(const nlohmann::json& summary) {
  std::string out = "| metric | mean ± std over folds | pooled (95 % CI) | folds |\n|---|---|---|---|\n";
  for (const auto& [name, m] : summary["metrics"].items()) {
    std::string folds;
    for (const auto& v : m["folds"]) folds += (folds.empty() ? "" : " ") + (v.is_number() ? fixed(v.get<double>()) : std::string("-"));
    out += "| " + name + " | " + (m["mean"].is_number() ? fixed(m["mean"].get<double>()) : "-") + " ± " +
           (m["std"].is_number() ? fixed(m["std"].get<double>()) : "-") + " | " +
           (m["pooled"].is_number() ? fixed(m["pooled"].get<double>()) : "") +
           (m["ci95"].is_array() ? " (" + fixed(m["ci95"][0].get<double>()) + " – " + fixed(m["ci95"][1].get<double>()) + ")" : "") + " | " +
           folds + " |\n";
  }
  return out;
}

fs::path run_cross_validation(const core::ResolvedConfig& resolved, const CvOptions& options) {
  const Config c = typed_config(resolved);
  const fs::path experiment = options.out.empty() ? c.run.output_root / c.run.name : options.out;
  const auto folds = options.folds.empty() ? parse_folds("0-" + std::to_string(c.split.folds - 1), c.split.folds) : options.folds;
  fs::create_directories(experiment);
  const bool external = options.external && !c.data.radchestct_root.empty();
  for (auto fold : folds) {
    const fs::path run_dir = fold_folder(experiment, fold);
    if (evaluation_finished(run_dir, "rexgroundingct", "test") && (!external || evaluation_finished(run_dir, "radchestct", "test"))) {
      spdlog::info("fold {}: finished earlier ({}), skipped", fold, run_dir.string());
      continue;
    }
    if (!training_finished(run_dir)) {
      if (training_started(run_dir)) {
        spdlog::info("fold {}: resuming the unfinished training in {}", fold, run_dir.string());
        const auto outcome = resume_fold(run_dir, options.show_progress);
        if (outcome.signal) return experiment;
      } else {
        FoldTrainOptions train_options;
        train_options.fold = fold;
        train_options.run_dir = run_dir;
        train_options.show_progress = options.show_progress;
        const auto outcome = train_fold(resolved, train_options);
        if (outcome.signal) return experiment;
      }
    }
    if (!evaluation_finished(run_dir, "rexgroundingct", "test")) evaluate_run(run_dir, {"rexgroundingct", "test", true, 1000});
    if (external && !evaluation_finished(run_dir, "radchestct", "test")) evaluate_run(run_dir, {"radchestct", "test", true, 1000});
  }
  summarize_folds(experiment, folds);
  return experiment;
}

}  // namespace unict::experiments

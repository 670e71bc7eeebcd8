#include "unict/experiments/ablation.h"

#include "unict/train/process_group.h"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/core/folder_lock.h"
#include "unict/core/number_format.h"
#include "unict/core/yaml_reader.h"
#include "unict/eval/classification_report.h"
#include "unict/experiments/config.h"
#include "unict/experiments/cross_validation.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"

namespace unict::experiments {

namespace fs = std::filesystem;

AblationSuite read_ablation_suite(const fs::path& file) {
  const auto root = core::YamlNode::load_file(file);
  root.expect_keys({"reference", "variants"}, "an ablation suite");
  AblationSuite suite;
  suite.reference = root.required("reference").as_string();
  for (const auto& node : root.required("variants").items()) {
    node.expect_keys({"name", "config", "set"}, "a variant");
    AblationVariant v{node.required("name").as_string(), file.parent_path() / node.required("config").as_string(), node["set"].string_list()};
    for (const auto& existing : suite.variants)
      if (existing.name == v.name) throw node["name"].error("variant named twice").value(v.name);
    if (!fs::exists(v.config)) throw node["config"].error("variant config not found").value(v.config.string());
    suite.variants.push_back(std::move(v));
  }
  if (suite.variants.empty()) throw root["variants"].error("an ablation suite needs at least one variant");
  bool found = false;
  for (const auto& v : suite.variants) found |= v.name == suite.reference;
  if (!found) throw root["reference"].error("the reference is not one of the variants").value(suite.reference);
  return suite;
}

double sign_flip_p_value(const std::vector<double>& d) {
  const std::size_t n = d.size();
  if (n == 0 || n > 20) return 1.0;
  double observed = 0;
  for (double x : d) observed += x;
  observed = std::fabs(observed);
  std::size_t extreme = 0;
  const std::size_t patterns = std::size_t{1} << n;
  for (std::size_t mask = 0; mask < patterns; ++mask) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += (mask >> i & 1) ? -d[i] : d[i];
    if (std::fabs(sum) >= observed - 1e-12) ++extreme;
  }
  return static_cast<double>(extreme) / static_cast<double>(patterns);
}

namespace {

std::vector<const eval::MetricSpec*> table_columns() {
  std::vector<const eval::MetricSpec*> columns;
  for (const auto& m : eval::metric_registry())
    if (!m.table_title.empty()) columns.push_back(&m);
  return columns;
}

// The same cases in the order of `order`'s names (the variants' folds list them alike, but the
// comparison must not depend on it).
eval::ScoredCases reorder(const eval::ScoredCases& cases, const eval::ScoredCases& order) {
  std::map<std::string, std::size_t> row;
  for (std::size_t i = 0; i < cases.names.size(); ++i) row[cases.names[i]] = i;
  eval::ScoredCases out;
  out.classes = cases.classes;
  const std::size_t c = cases.classes.size();
  for (const auto& name : order.names) {
    const auto found = row.find(name);
    if (found == row.end()) throw Error("the variants were tested on different volumes").value(name);
    out.names.push_back(name);
    out.scores.insert(out.scores.end(), cases.scores.begin() + static_cast<std::ptrdiff_t>(found->second * c),
                      cases.scores.begin() + static_cast<std::ptrdiff_t>((found->second + 1) * c));
    out.labels.insert(out.labels.end(), cases.labels.begin() + static_cast<std::ptrdiff_t>(found->second * c),
                      cases.labels.begin() + static_cast<std::ptrdiff_t>((found->second + 1) * c));
  }
  return out;
}

nlohmann::json json_or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

// The p-value of the paired patient bootstrap for a classification metric, when both variants'
// pooled predictions exist.
std::optional<double> bootstrap_p_value(const eval::MetricSpec& metric, const std::optional<eval::Comparison>& comparison) {
  if (!comparison) return std::nullopt;
  for (std::size_t k = 0; k < comparison->metrics.size(); ++k)
    if (comparison->metrics[k] == metric.statistic && comparison->macro[k]) return comparison->macro[k]->p_value;
  return std::nullopt;
}

AblationCell table_cell(const eval::MetricSpec& metric, const MetricSummary& m, const MetricSummary* reference,
                        const std::optional<eval::Comparison>& comparison) {
  AblationCell cell{m.mean, m.std, std::nullopt, std::nullopt, ""};
  if (!reference || !m.mean || !reference->mean) return cell;
  cell.difference = *m.mean - *reference->mean;
  if (metric.paired_test == eval::PairedTest::patient_bootstrap) {
    cell.p_value = bootstrap_p_value(metric, comparison);
    if (cell.p_value) cell.test = "paired bootstrap of patients (pooled test predictions)";
  } else {
    std::vector<double> differences;
    for (std::size_t i = 0; i < m.folds.size() && i < reference->folds.size(); ++i)
      if (m.folds[i] && reference->folds[i]) differences.push_back(*m.folds[i] - *reference->folds[i]);
    cell.p_value = sign_flip_p_value(differences);
    cell.test = "exact sign-flip permutation over folds";
  }
  return cell;
}

// The variant's summary of `metric`; nullptr when its model lacks the task (an empty cell).
const MetricSummary* summary_of(const FoldSummary& summary, const eval::MetricSpec& metric, const std::string& variant, const fs::path& file) {
  const auto found = summary.metrics.find(metric.id);
  if (found != summary.metrics.end()) return &found->second;
  if (metric.task && std::find(summary.tasks.begin(), summary.tasks.end(), *metric.task) == summary.tasks.end()) return nullptr;
  throw Error("the variant's summary lacks a metric of a task it has").file(file.string()).key(variant).value(metric.id);
}

}  // namespace

nlohmann::json to_json(const AblationTable& table) {
  nlohmann::json j{{"reference", table.reference}, {"columns", nlohmann::json::array()}, {"rows", nlohmann::json::array()}};
  for (const auto* c : table.columns) j["columns"].push_back({{"metric", c->id}, {"title", c->table_title}});
  for (const auto& row : table.rows) {
    nlohmann::json cells = nlohmann::json::object();
    for (std::size_t k = 0; k < table.columns.size(); ++k) {
      const auto& c = row.cells[k];
      cells[table.columns[k]->id] = {{"mean", json_or_null(c.mean)}, {"std", json_or_null(c.std)}, {"difference", json_or_null(c.difference)},
                                     {"p_value", json_or_null(c.p_value)}, {"test", c.test.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.test)}};
    }
    j["rows"].push_back({{"variant", row.variant}, {"cells", cells}});
  }
  return j;
}

AblationTable ablation_table(const AblationSuite& suite, const fs::path& out) {
  std::map<std::string, FoldSummary> summaries;
  for (const auto& v : suite.variants) summaries[v.name] = read_fold_summary(out / v.name / "summary.json");
  const auto& reference = summaries.at(suite.reference);
  const auto reference_cases = pooled_predictions(out / suite.reference, reference.folds, "test");
  AblationTable table{suite.reference, table_columns(), {}};
  for (const auto& v : suite.variants) {
    const auto& summary = summaries.at(v.name);
    const bool is_reference = v.name == suite.reference;
    std::optional<eval::Comparison> comparison;
    if (!is_reference && reference_cases)
      if (const auto cases = pooled_predictions(out / v.name, reference.folds, "test"))
        comparison = eval::compare_predictions(reorder(*cases, *reference_cases), *reference_cases, {}, 1000, 0);
    AblationRow row{v.name, {}};
    for (const auto* metric : table.columns) {
      const auto* m = summary_of(summary, *metric, v.name, out / v.name / "summary.json");
      const auto* r = is_reference ? nullptr : summary_of(reference, *metric, suite.reference, out / suite.reference / "summary.json");
      row.cells.push_back(m ? table_cell(*metric, *m, r, comparison) : AblationCell{});
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string ablation_markdown(const AblationTable& table) {
  std::string out = "| variant |";
  for (const auto* c : table.columns) out += " " + c->table_title + " |";
  out += "\n|---|";
  for (std::size_t i = 0; i < table.columns.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : table.rows) {
    out += "| " + row.variant + " |";
    for (std::size_t k = 0; k < table.columns.size(); ++k) {
      const auto& metric = *table.columns[k];
      const auto& cell = row.cells[k];
      std::string text = "–";
      if (cell.mean) {
        text = eval::format_metric(metric, *cell.mean) + " ± " + (cell.std ? eval::format_metric(metric, *cell.std) : "–");
        if (cell.difference)
          text += " (" + core::fixed(*cell.difference, metric.decimals, true) + ", p " + core::fixed(cell.p_value, 3, "–") + ")";
      }
      out += " " + text + " |";
    }
    out += "\n";
  }
  out += "\nEach cell: mean ± std over folds (difference to " + table.reference +
         ", p of the paired test: classification a paired patient bootstrap, the others an exact sign-flip test over folds).\n";
  return out;
}

fs::path ablation_folder(const fs::path& suite_file, const AblateOptions& options) {
  return options.out.empty() ? fs::path("runs") / ("ablation_" + suite_file.stem().string()) : options.out;
}

LoadedConfig variant_config(const AblationVariant& variant, const std::vector<std::string>& overrides) {
  auto all = variant.overrides;
  all.insert(all.end(), overrides.begin(), overrides.end());
  return load_config(variant.config, all);
}

CvOptions variant_cv_options(const AblateOptions& options, const fs::path& out, const AblationVariant& variant) {
  CvOptions cv;
  cv.out = out / variant.name;
  cv.folds = options.folds;
  cv.external = options.external;
  cv.group = options.group;
  return cv;
}

void write_ablation_table(const AblationTable& table, const fs::path& out) {
  core::write_file_atomic(out / "ablation.md", ablation_markdown(table));
  std::vector<std::string> header{"variant"};
  for (const auto* c : table.columns)
    for (const char* part : {"mean", "std", "difference", "p_value"}) header.push_back(c->id + "." + part);
  std::vector<std::vector<std::string>> rows;
  const auto number = [](const std::optional<double>& v) { return v ? core::significant(*v, 6) : std::string(); };
  for (const auto& row : table.rows) {
    rows.push_back({row.variant});
    for (const auto& c : row.cells)
      for (const auto& v : {c.mean, c.std, c.difference, c.p_value}) rows.back().push_back(number(v));
  }
  io::write_csv(out / "ablation.csv", header, rows);
  io::write_json(out / "ablation.json", to_json(table));  // last: its presence means the table is complete (unict status)
}

AblationTable run_ablation(const fs::path& suite_file, const AblateOptions& options) {
  const AblationSuite suite = read_ablation_suite(suite_file);
  const fs::path out = ablation_folder(suite_file, options);
  core::FolderLock lock;  // one ablation per folder
  if (!options.group || options.group->is_root()) lock = core::FolderLock::acquire(out);
  for (const auto& v : suite.variants) {
    const auto config = variant_config(v, options.overrides);
    spdlog::info("ablation variant {} ({}{})", v.name, v.config.string(), v.overrides.empty() && options.overrides.empty() ? "" : ", with --set");
    run_cross_validation(config, variant_cv_options(options, out, v));
    if (!fs::exists(out / v.name / "summary.json")) throw Error("the variant's cross-validation did not finish").value(v.name);
  }
  const auto table = ablation_table(suite, out);
  if (options.group && !options.group->is_root()) return table;  // rank 0 writes it
  write_ablation_table(table, out);
  return table;
}

}  // namespace unict::experiments

#include "unict/experiments/ablation.h"

#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/eval/classification_report.h"
#include "unict/experiments/config.h"
#include "unict/experiments/cross_validation.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"

namespace unict::experiments {

namespace fs = std::filesystem;

AblationSuite read_ablation_suite(const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw Error(std::string("not a readable YAML file: ") + e.what()).file(file.string());
  }
  AblationSuite suite;
  if (!root["reference"] || !root["variants"] || !root["variants"].IsSequence())
    throw Error("an ablation suite needs `reference` and a `variants` list").file(file.string());
  suite.reference = root["reference"].as<std::string>();
  for (const auto& node : root["variants"]) {
    const int line = node.Mark().line + 1;
    if (!node["name"] || !node["config"])
      throw Error("a variant needs `name` and `config`").file(file.string() + ":" + std::to_string(line));
    AblationVariant v{node["name"].as<std::string>(), file.parent_path() / node["config"].as<std::string>(), {}};
    if (node["set"])
      for (const auto& s : node["set"]) v.overrides.push_back(s.as<std::string>());
    for (const auto& existing : suite.variants)
      if (existing.name == v.name) throw Error("variant named twice").file(file.string() + ":" + std::to_string(line)).value(v.name);
    if (!fs::exists(v.config)) throw Error("variant config not found").file(file.string() + ":" + std::to_string(line)).value(v.config.string());
    suite.variants.push_back(std::move(v));
  }
  bool found = false;
  for (const auto& v : suite.variants) found |= v.name == suite.reference;
  if (!found) throw Error("the reference is not one of the variants").file(file.string()).key("reference").value(suite.reference);
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

const std::vector<std::pair<std::string, std::string>>& table_columns() {
  static const std::vector<std::pair<std::string, std::string>> columns{
      {"cls.f1_macro", "F1"},     {"cls.auroc_macro", "AUROC"}, {"cls.ap_macro", "mAP"},     {"seg.dice_mean", "Dice"},
      {"rep.bleu4", "BLEU-4"},    {"rep.meteor", "METEOR"},     {"rep.rouge_l", "ROUGE-L"}, {"rep.cider", "CIDEr"},
      {"rep.ce_f1_macro", "CE F1"}};
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

std::string fixed(const nlohmann::json& v, const char* format = "%.4f") {
  if (!v.is_number()) return "–";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, v.get<double>());
  return buffer;
}

}  // namespace

nlohmann::json ablation_table(const AblationSuite& suite, const fs::path& out) {
  std::map<std::string, nlohmann::json> summaries;
  for (const auto& v : suite.variants) summaries[v.name] = io::read_json(out / v.name / "summary.json");
  const auto& reference = summaries.at(suite.reference);
  const auto folds = reference["folds"].get<std::vector<std::int64_t>>();
  const auto reference_cases = pooled_predictions(out / suite.reference, folds, "test");
  nlohmann::json table{{"reference", suite.reference}, {"columns", nlohmann::json::array()}, {"rows", nlohmann::json::array()}};
  for (const auto& [metric, title] : table_columns()) table["columns"].push_back({{"metric", metric}, {"title", title}});
  for (const auto& v : suite.variants) {
    const auto& summary = summaries.at(v.name);
    nlohmann::json row{{"variant", v.name}, {"cells", nlohmann::json::object()}};
    std::optional<eval::Comparison> comparison;
    if (v.name != suite.reference && reference_cases) {
      if (const auto cases = pooled_predictions(out / v.name, folds, "test")) {
        const auto aligned = reorder(*cases, *reference_cases);
        comparison = eval::compare_predictions(aligned, *reference_cases, {}, 1000, 0);
      }
    }
    for (const auto& [metric, title] : table_columns()) {
      nlohmann::json cell{{"mean", nullptr}, {"std", nullptr}, {"difference", nullptr}, {"p_value", nullptr}, {"test", nullptr}};
      if (!summary["metrics"].contains(metric)) {
        row["cells"][metric] = cell;
        continue;
      }
      const auto& m = summary["metrics"][metric];
      cell["mean"] = m["mean"];
      cell["std"] = m["std"];
      if (v.name != suite.reference && reference["metrics"].contains(metric) && m["mean"].is_number() &&
          reference["metrics"][metric]["mean"].is_number()) {
        cell["difference"] = m["mean"].get<double>() - reference["metrics"][metric]["mean"].get<double>();
        const std::string name = metric.substr(4, metric.size() - 4 - 6);  // cls.<name>_macro
        if (metric.rfind("cls.", 0) == 0 && comparison) {
          for (std::size_t k = 0; k < comparison->metrics.size(); ++k)
            if (comparison->metrics[k] == name && comparison->macro[k]) {
              cell["p_value"] = comparison->macro[k]->p_value;
              cell["test"] = "paired bootstrap of patients (pooled test predictions)";
            }
        } else {
          std::vector<double> differences;
          const auto& a = m["folds"];
          const auto& b = reference["metrics"][metric]["folds"];
          for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
            if (a[i].is_number() && b[i].is_number()) differences.push_back(a[i].get<double>() - b[i].get<double>());
          cell["p_value"] = sign_flip_p_value(differences);
          cell["test"] = "exact sign-flip permutation over folds";
        }
      }
      row["cells"][metric] = cell;
    }
    table["rows"].push_back(row);
  }
  return table;
}

std::string ablation_markdown(const nlohmann::json& table) {
  std::string out = "| variant |";
  for (const auto& c : table["columns"]) out += " " + c["title"].get<std::string>() + " |";
  out += "\n|---|";
  for (std::size_t i = 0; i < table["columns"].size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : table["rows"]) {
    out += "| " + row["variant"].get<std::string>() + " |";
    for (const auto& c : table["columns"]) {
      const auto& cell = row["cells"][c["metric"].get<std::string>()];
      std::string text = fixed(cell["mean"]) + " ± " + fixed(cell["std"]);
      if (cell["difference"].is_number()) text += " (" + fixed(cell["difference"], "%+.4f") + ", p " + fixed(cell["p_value"], "%.3f") + ")";
      if (!cell["mean"].is_number()) text = "–";
      out += " " + text + " |";
    }
    out += "\n";
  }
  out += "\nEach cell: mean ± std over folds (difference to " + table["reference"].get<std::string>() +
         ", p of the paired test: classification a paired patient bootstrap, the others an exact sign-flip test over folds).\n";
  return out;
}

nlohmann::json run_ablation(const fs::path& suite_file, const AblateOptions& options) {
  const AblationSuite suite = read_ablation_suite(suite_file);
  const fs::path out = options.out.empty() ? fs::path("runs") / ("ablation_" + suite_file.stem().string()) : options.out;
  fs::create_directories(out);
  for (const auto& v : suite.variants) {
    auto overrides = v.overrides;
    overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
    const auto resolved = resolve_config(v.config, overrides);
    spdlog::info("ablation variant {} ({}{})", v.name, v.config.string(), overrides.empty() ? "" : ", with --set");
    CvOptions cv;
    cv.out = out / v.name;
    cv.folds = options.folds;
    cv.external = options.external;
    run_cross_validation(resolved, cv);
    if (!fs::exists(out / v.name / "summary.json")) throw Error("the variant's cross-validation did not finish").value(v.name);
  }
  const auto table = ablation_table(suite, out);
  io::write_json(out / "ablation.json", table);
  core::write_file_atomic(out / "ablation.md", ablation_markdown(table));
  std::vector<std::string> header{"variant"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : table["columns"])
    for (const char* part : {"mean", "std", "difference", "p_value"}) header.push_back(c["metric"].get<std::string>() + "." + part);
  for (const auto& row : table["rows"]) {
    rows.push_back({row["variant"].get<std::string>()});
    for (const auto& c : table["columns"])
      for (const char* part : {"mean", "std", "difference", "p_value"}) rows.back().push_back(fixed(row["cells"][c["metric"].get<std::string>()][part], "%.6g"));
  }
  io::write_csv(out / "ablation.csv", header, rows);
  return table;
}

}  // namespace unict::experiments

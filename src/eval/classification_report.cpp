#include "unict/eval/classification_report.h"

#include <cstdio>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/core/number_format.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"

namespace unict::eval {
namespace {

constexpr const char* kNameColumn = "VolumeName";

struct Row {
  std::size_t line = 0;
  std::vector<double> values;
};

// VolumeName -> values of `columns`, checking names are unique and values in range.
std::unordered_map<std::string, Row> read_rows(const io::CsvTable& table, const std::vector<std::string>& columns, bool binary) {
  const auto name_column = table.column(kNameColumn);
  std::vector<std::size_t> indices;
  for (const auto& c : columns) indices.push_back(table.column(c));
  std::unordered_map<std::string, Row> rows;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& fields = table.rows[r];
    const auto line = r + 2;  // the header is line 1
    Row row{line, {}};
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const auto context = table.file + ":" + std::to_string(line) + " column '" + columns[k] + "'";
      const double v = io::parse_number(fields[indices[k]], context);
      const bool ok = binary ? (v == 0 || v == 1) : (v >= 0 && v <= 1);
      if (!ok)
        throw Error("invalid value").file(table.file).line(static_cast<int>(line)).key(columns[k]).value(fields[indices[k]]).expected(
            binary ? "a label 0 or 1" : "a probability in [0, 1]");
      row.values.push_back(v);
    }
    if (!rows.emplace(fields[name_column], row).second)
      throw Error("volume listed twice").file(table.file).line(static_cast<int>(line)).value(fields[name_column]).expected("each VolumeName once");
  }
  return rows;
}


nlohmann::json optional_number(std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

ScoredCases read_scored_cases(const std::filesystem::path& predictions, const std::filesystem::path& labels) {
  const auto pred_table = io::read_csv(predictions);
  const auto label_table = io::read_csv(labels);
  ScoredCases data;
  pred_table.column(kNameColumn);  // an Error naming the file when missing
  for (const auto& h : pred_table.header)
    if (h != kNameColumn) data.classes.push_back(h);
  if (data.classes.empty()) throw Error("no class columns beside VolumeName").file(pred_table.file);
  const auto pred_rows = read_rows(pred_table, data.classes, false);
  const auto label_rows = read_rows(label_table, data.classes, true);
  // Cases in the prediction file's order; every name must be in both files.
  const auto name_column = pred_table.column(kNameColumn);
  for (const auto& fields : pred_table.rows) {
    const auto& name = fields[name_column];
    const auto found = label_rows.find(name);
    if (found == label_rows.end())
      throw Error("volume has predictions but no labels").file(label_table.file).value(name).hint("listed in " + pred_table.file);
    data.names.push_back(name);
    const auto& p = pred_rows.at(name).values;
    data.scores.insert(data.scores.end(), p.begin(), p.end());
    for (double l : found->second.values) data.labels.push_back(static_cast<std::uint8_t>(l));
  }
  for (const auto& [name, row] : label_rows)
    if (!pred_rows.count(name))
      throw Error("volume has labels but no predictions").file(pred_table.file).value(name).hint("listed in " + label_table.file + ":" +
                                                                                                  std::to_string(row.line));
  return data;
}

void write_thresholds(const std::filesystem::path& file, const std::map<std::string, double>& thresholds, const std::string& chosen_by) {
  nlohmann::json doc;
  doc["thresholds"] = thresholds;
  doc["chosen_by"] = chosen_by;
  io::write_json(file, doc);
}

std::vector<double> read_thresholds(const std::filesystem::path& file, const std::vector<std::string>& classes) {
  const auto doc = io::read_json(file);
  if (!doc.is_object() || !doc.contains("thresholds") || !doc["thresholds"].is_object())
    throw Error("not a thresholds file").file(file.string()).expected("{\"thresholds\": {\"<class>\": t, ...}}");
  std::vector<double> out;
  for (const auto& c : classes) {
    const auto& t = doc["thresholds"];
    if (!t.contains(c) || !t[c].is_number()) throw Error("no threshold for class").file(file.string()).key("thresholds." + c).expected("a number in [0, 1]");
    out.push_back(t[c].get<double>());
  }
  return out;
}

std::map<std::string, double> choose_thresholds(const ScoredCases& validation) {
  std::map<std::string, double> out;
  for (std::size_t c = 0; c < validation.classes.size(); ++c)
    out[validation.classes[c]] = best_f1_threshold(validation.class_scores(c), validation.class_labels(c)).value_or(0.5);
  return out;
}

ClassificationReport classification_report(const ScoredCases& data, const std::vector<double>& thresholds, std::size_t resamples,
                                           std::uint64_t seed) {
  ClassificationReport report;
  report.result = evaluate_classification(data, thresholds);
  report.resamples = resamples;
  report.seed = seed;
  if (resamples > 0) {
    const ClassificationEvaluator evaluator(data, thresholds);
    report.macro_intervals = bootstrap_intervals(patient_groups(data.names), resamples, seed, [&](const std::vector<std::size_t>& rows) {
      return evaluator.evaluate_rows(rows).macro;
    });
  }
  return report;
}

nlohmann::json to_json(const ClassificationReport& report) {
  const auto& names = classification_metric_names();
  nlohmann::json doc;
  doc["cases"] = report.result.cases;
  doc["per_class"] = nlohmann::json::object();
  doc["undefined"] = nlohmann::json::array();
  for (const auto& c : report.result.per_class) {
    nlohmann::json entry;
    for (std::size_t k = 0; k < names.size(); ++k) entry[names[k]] = optional_number(c.values[k]);
    entry["threshold"] = c.threshold;
    entry["positives"] = c.positives;
    entry["negatives"] = c.negatives;
    if (!c.undefined_reason.empty()) doc["undefined"].push_back({{"class", c.name}, {"reason", c.undefined_reason}});
    doc["per_class"][c.name] = entry;
  }
  doc["macro"] = nlohmann::json::object();
  for (std::size_t k = 0; k < names.size(); ++k)
    doc["macro"][names[k]] = report.result.macro.empty() ? nlohmann::json(nullptr) : optional_number(report.result.macro[k]);
  doc["macro_over_classes"] = report.result.defined_classes;
  if (!report.macro_intervals.empty()) {
    nlohmann::json ci;
    for (std::size_t k = 0; k < names.size() && k < report.macro_intervals.size(); ++k) {
      const auto& i = report.macro_intervals[k];
      ci[names[k]] = i ? nlohmann::json::array({i->lower, i->upper}) : nlohmann::json(nullptr);
    }
    doc["macro_ci95"] = ci;
    doc["bootstrap"] = {{"resamples", report.resamples}, {"seed", report.seed}, {"unit", "patient"}, {"method", "percentile"}};
  }
  doc["conventions"] = "a case is positive when p >= threshold; precision is 0 when nothing is predicted positive; a class whose labels are all one value is undefined and left out of the macro means";
  return doc;
}

std::string to_table(const ClassificationReport& report) {
  const auto& names = classification_metric_names();
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s", "class");
  out += line;
  for (const auto& n : names) out += (std::snprintf(line, sizeof line, "%12s", n.c_str()), line);
  out += "   threshold  pos/neg\n";
  for (const auto& c : report.result.per_class) {
    out += (std::snprintf(line, sizeof line, "%-28s", c.name.c_str()), line);
    for (const auto& v : c.values) out += (std::snprintf(line, sizeof line, "%12s", core::fixed(v, 4, "-").c_str()), line);
    out += (std::snprintf(line, sizeof line, "%12.3f  %lld/%lld", c.threshold, static_cast<long long>(c.positives), static_cast<long long>(c.negatives)), line);
    if (!c.undefined_reason.empty()) out += "  undefined: " + c.undefined_reason;
    out += "\n";
  }
  out += (std::snprintf(line, sizeof line, "%-28s", ("macro (" + std::to_string(report.result.defined_classes) + " classes)").c_str()), line);
  for (std::size_t k = 0; k < names.size(); ++k)
    out += (std::snprintf(line, sizeof line, "%12s", report.result.macro.empty() ? "-" : core::fixed(report.result.macro[k], 4, "-").c_str()), line);
  out += "\n";
  if (!report.macro_intervals.empty()) {
    out += (std::snprintf(line, sizeof line, "%-28s", "macro 95 % CI"), line);
    for (const auto& i : report.macro_intervals)
      out += (std::snprintf(line, sizeof line, "%12s", i ? (core::fixed(i->lower, 3) + "-" + core::fixed(i->upper, 3)).c_str() : "-"), line);
    out += "\n(" + std::to_string(report.resamples) + " bootstrap resamples of patients, seed " + std::to_string(report.seed) + ")\n";
  }
  out += std::to_string(report.result.cases) + " cases\n";
  return out;
}

Comparison compare_predictions(const ScoredCases& a, const ScoredCases& b, const std::vector<double>& thresholds, std::size_t resamples,
                               std::uint64_t seed) {
  if (a.names != b.names || a.classes != b.classes || a.labels != b.labels)
    throw Error("the two prediction files must cover the same volumes, in the same order, with the same classes");
  Comparison cmp;
  cmp.metrics = classification_metric_names();
  cmp.classes = a.classes;
  cmp.resamples = resamples;
  cmp.cases = a.cases();
  const ClassificationEvaluator evaluate_a(a, thresholds), evaluate_b(b, thresholds);
  cmp.macro = paired_bootstrap(patient_groups(a.names), resamples, seed, [&](const std::vector<std::size_t>& rows) {
    const auto ma = evaluate_a.evaluate_rows(rows).macro, mb = evaluate_b.evaluate_rows(rows).macro;
    std::vector<std::optional<double>> diff(cmp.metrics.size());
    if (!ma.empty() && !mb.empty())
      for (std::size_t k = 0; k < diff.size(); ++k) diff[k] = *ma[k] - *mb[k];
    return diff;
  });
  for (std::size_t c = 0; c < a.classes.size(); ++c) cmp.auroc_delong.push_back(delong_test(a.class_scores(c), b.class_scores(c), a.class_labels(c)));
  return cmp;
}

nlohmann::json to_json(const Comparison& cmp) {
  nlohmann::json doc;
  doc["cases"] = cmp.cases;
  doc["macro_difference"] = nlohmann::json::object();
  for (std::size_t k = 0; k < cmp.metrics.size(); ++k) {
    const auto& d = cmp.macro[k];
    doc["macro_difference"][cmp.metrics[k]] =
        d ? nlohmann::json{{"a_minus_b", d->observed}, {"ci95", {d->interval.lower, d->interval.upper}}, {"p_value", d->p_value}}
          : nlohmann::json(nullptr);
  }
  doc["auroc_delong"] = nlohmann::json::object();
  for (std::size_t c = 0; c < cmp.classes.size(); ++c) {
    const auto& d = cmp.auroc_delong[c];
    doc["auroc_delong"][cmp.classes[c]] =
        d ? nlohmann::json{{"auroc_a", d->auc_a}, {"auroc_b", d->auc_b}, {"z", d->z}, {"p_value", d->p_value}} : nlohmann::json(nullptr);
  }
  doc["method"] = {{"macro", "paired bootstrap of patients, two-sided"}, {"auroc", "DeLong et al. 1988, two-sided"}, {"resamples", cmp.resamples}};
  return doc;
}

std::string to_table(const Comparison& cmp) {
  std::string out = "macro metric      A - B     95 % CI              p (paired bootstrap)\n";
  char line[256];
  for (std::size_t k = 0; k < cmp.metrics.size(); ++k) {
    const auto& d = cmp.macro[k];
    if (!d) {
      out += (std::snprintf(line, sizeof line, "%-14s %8s\n", cmp.metrics[k].c_str(), "-"), line);
      continue;
    }
    out += (std::snprintf(line, sizeof line, "%-14s %+9.4f  [%+.4f, %+.4f]   %.4f\n", cmp.metrics[k].c_str(), d->observed, d->interval.lower,
                          d->interval.upper, d->p_value),
            line);
  }
  out += "\nAUROC per class     A        B        z        p (DeLong)\n";
  for (std::size_t c = 0; c < cmp.classes.size(); ++c) {
    const auto& d = cmp.auroc_delong[c];
    if (!d) {
      out += (std::snprintf(line, sizeof line, "%-16s undefined (labels all one value)\n", cmp.classes[c].c_str()), line);
      continue;
    }
    out += (std::snprintf(line, sizeof line, "%-16s %.4f   %.4f   %+.3f   %.4f\n", cmp.classes[c].c_str(), d->auc_a, d->auc_b, d->z, d->p_value), line);
  }
  return out + std::to_string(cmp.cases) + " cases, " + std::to_string(cmp.resamples) + " resamples\n";
}

}  // namespace unict::eval

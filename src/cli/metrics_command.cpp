// `unict metrics`: metrics computed from prediction files, so anyone can recompute the numbers a
// run printed. `cls` scores classification, `thresholds` chooses per-class thresholds on a
// validation split, `compare` tests two prediction files on the same cases.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "unict/eval/classification_report.h"
#include "unict/data/label_set.h"
#include "unict/eval/figures.h"
#include "unict/eval/report_evaluation.h"
#include "unict/eval/segmentation_report.h"
#include "unict/core/error.h"
#include "unict/text/report_labeler.h"

namespace unict::cli {
namespace {

struct ClsOptions {
  std::string pred, labels, thresholds, figures;
  std::size_t bootstrap = 1000;
  std::uint64_t seed = 42;
  bool json = false;
};

void metrics_cls(const ClsOptions& o) {
  const auto data = eval::read_scored_cases(o.pred, o.labels);
  const auto thresholds = o.thresholds.empty() ? std::vector<double>{} : eval::read_thresholds(o.thresholds, data.classes);
  const auto report = eval::classification_report(data, thresholds, o.bootstrap, o.seed);
  if (o.json) std::cout << eval::to_json(report).dump(2) << "\n";
  else std::cout << eval::to_table(report);
  if (!o.figures.empty()) {
    eval::plot_roc_pr(data, std::filesystem::path(o.figures) / "roc_pr.png");
    std::cerr << "wrote " << (std::filesystem::path(o.figures) / "roc_pr.png").string() << "\n";
  }
}

struct SegOptions {
  std::string pred, gt;
  bool json = false;
};

void metrics_seg(const SegOptions& o) {
  const auto report = eval::evaluate_segmentation(o.pred, o.gt);
  if (o.json) std::cout << eval::to_json(report).dump(2) << "\n";
  else std::cout << eval::to_table(report);
}

struct ReportOptions {
  std::string pred, refs;
  std::string label_set = "configs/labels/unict10.yaml", vocabulary = "configs/labels/unict10_labeler.yaml";
  bool json = false;
};

void metrics_reports(const ReportOptions& o) {
  const auto labels = data::load_label_set(o.label_set);
  const text::ReportLabeler labeler(text::load_labeler_config(o.vocabulary, labels.names()));
  nlohmann::json doc = eval::evaluate_report_files(o.pred, o.refs, labeler, labels.names()).details;
  doc["ce"]["labeler"] = o.vocabulary;
  if (o.json) {
    std::cout << doc.dump(2) << "\n";
    return;
  }
  const auto number = [](const nlohmann::json& v) { return v.is_null() ? std::string("-") : std::to_string(v.get<double>()); };
  std::printf("BLEU-1 %.4f  BLEU-2 %.4f  BLEU-3 %.4f  BLEU-4 %.4f  METEOR %.4f  ROUGE-L %.4f  CIDEr-D %.4f  (%zu reports)\n",
              doc["bleu1"].get<double>(), doc["bleu2"].get<double>(), doc["bleu3"].get<double>(), doc["bleu4"].get<double>(),
              doc["meteor"].get<double>(), doc["rouge_l"].get<double>(), doc["cider"].get<double>(), doc["reports"].get<std::size_t>());
  const auto& macro = doc["ce"]["macro"];
  std::printf("clinical efficacy (labeler %s): macro precision %s  recall %s  F1 %s\n", o.vocabulary.c_str(), number(macro["precision"]).c_str(),
              number(macro["recall"]).c_str(), number(macro["f1"]).c_str());
}

struct ThresholdOptions {
  std::string pred, labels, out;
};

void metrics_thresholds(const ThresholdOptions& o) {
  const auto data = eval::read_scored_cases(o.pred, o.labels);
  const auto chosen = eval::choose_thresholds(data);
  eval::write_thresholds(o.out, chosen, "maximum F1 on " + o.pred);
  for (const auto& [name, t] : chosen) std::cout << name << ": " << t << "\n";
  std::cout << "wrote " << o.out << "\n";
}

struct CompareOptions {
  std::string a, b, labels, thresholds;
  std::size_t bootstrap = 1000;
  std::uint64_t seed = 42;
  bool json = false;
};

void metrics_compare(const CompareOptions& o) {
  const auto a = eval::read_scored_cases(o.a, o.labels), b = eval::read_scored_cases(o.b, o.labels);
  const auto thresholds = o.thresholds.empty() ? std::vector<double>{} : eval::read_thresholds(o.thresholds, a.classes);
  const auto comparison = eval::compare_predictions(a, b, thresholds, o.bootstrap, o.seed);
  if (o.json) std::cout << eval::to_json(comparison).dump(2) << "\n";
  else std::cout << "A = " << o.a << "\nB = " << o.b << "\n" << eval::to_table(comparison);
}

}  // namespace

void add_metrics_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("metrics", "Compute metrics from prediction files");
  cmd->require_subcommand(1);

  auto cls = std::make_shared<ClsOptions>();
  CLI::App* c = cmd->add_subcommand("cls", "Classification metrics per class and macro (scikit-learn's definitions)");
  c->add_option("--pred", cls->pred, "CSV: VolumeName and one probability column per class")->required()->check(CLI::ExistingFile);
  c->add_option("--labels", cls->labels, "CSV: VolumeName and one 0/1 column per class")->required()->check(CLI::ExistingFile);
  c->add_option("--thresholds", cls->thresholds, "JSON from `unict metrics thresholds` (default: 0.5 for every class)")->check(CLI::ExistingFile);
  c->add_option("--bootstrap", cls->bootstrap, "resamples of patients for 95 % intervals of the macro metrics (0 = no intervals)");
  c->add_option("--seed", cls->seed, "bootstrap seed");
  c->add_option("--figures", cls->figures, "folder to write roc_pr.png (ROC and PR curves per class) into");
  c->add_flag("--json", cls->json, "print JSON instead of a table");
  c->callback([cls] { metrics_cls(*cls); });

  auto seg = std::make_shared<SegOptions>();
  CLI::App* s = cmd->add_subcommand("seg", "Segmentation metrics: Dice, ReXGroundingCT hit rate and instance F1, false-positive volume");
  s->add_option("--pred", seg->pred, "folder of predicted class masks (classes.json + <VolumeName>.nii.gz)")->required()->check(CLI::ExistingDirectory);
  s->add_option("--gt", seg->gt, "folder of ground-truth class masks, same layout")->required()->check(CLI::ExistingDirectory);
  s->add_flag("--json", seg->json, "print JSON instead of a table");
  s->callback([seg] { metrics_seg(*seg); });

  auto rep = std::make_shared<ReportOptions>();
  CLI::App* r = cmd->add_subcommand("reports", "Report metrics: BLEU-1..4, METEOR (exact stage), ROUGE-L, CIDEr-D, clinical efficacy");
  r->add_option("--pred", rep->pred, "generated reports, JSON Lines {\"VolumeName\", \"report\"}")->required()->check(CLI::ExistingFile);
  r->add_option("--refs", rep->refs, "reference reports, same format (several lines per volume = several references)")->required()->check(CLI::ExistingFile);
  r->add_option("--label-set", rep->label_set, "label set whose classes clinical efficacy scores")->check(CLI::ExistingFile);
  r->add_option("--vocabulary", rep->vocabulary, "report labeler vocabulary (YAML)")->check(CLI::ExistingFile);
  r->add_flag("--json", rep->json, "print JSON instead of a line");
  r->callback([rep] { metrics_reports(*rep); });

  auto thr = std::make_shared<ThresholdOptions>();
  CLI::App* t = cmd->add_subcommand("thresholds", "Choose per-class thresholds by maximum F1 (on a validation split) and save them");
  t->add_option("--pred", thr->pred, "validation predictions CSV")->required()->check(CLI::ExistingFile);
  t->add_option("--labels", thr->labels, "validation labels CSV")->required()->check(CLI::ExistingFile);
  t->add_option("--out", thr->out, "thresholds JSON to write")->required();
  t->callback([thr] { metrics_thresholds(*thr); });

  auto cmp = std::make_shared<CompareOptions>();
  CLI::App* p = cmd->add_subcommand("compare", "Paired test of two prediction files on the same cases (bootstrap; DeLong for AUROC)");
  p->add_option("a", cmp->a, "predictions A (CSV)")->required()->check(CLI::ExistingFile);
  p->add_option("b", cmp->b, "predictions B (CSV)")->required()->check(CLI::ExistingFile);
  p->add_option("--labels", cmp->labels, "labels CSV")->required()->check(CLI::ExistingFile);
  p->add_option("--thresholds", cmp->thresholds, "thresholds JSON")->check(CLI::ExistingFile);
  p->add_option("--bootstrap", cmp->bootstrap, "paired resamples of patients")->check(CLI::Range(1, 1000000));
  p->add_option("--seed", cmp->seed, "bootstrap seed");
  p->add_flag("--json", cmp->json, "print JSON instead of a table");
  p->callback([cmp] { metrics_compare(*cmp); });
}

}  // namespace unict::cli

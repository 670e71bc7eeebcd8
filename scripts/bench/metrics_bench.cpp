// Evaluation benchmark (issue 5): classification metrics with a 1000-resample patient bootstrap on
// 10,000 cases x 10 classes, and report metrics (BLEU, METEOR, ROUGE-L, CIDEr-D, clinical
// efficacy with the labeler) on 10,000 synthetic report pairs. Prints seconds.
//   metrics_bench [CASES] [RESAMPLES] [REPORTS]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "unict/core/seed.h"
#include "unict/data/label_set.h"
#include "unict/data/synthetic_report.h"
#include "unict/eval/classification_report.h"
#include "unict/eval/clinical_efficacy.h"
#include "unict/eval/report_metrics.h"
#include "unict/text/nlg_tokenize.h"
#include "unict/text/report_labeler.h"

using namespace unict;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int main(int argc, char** argv) {
  const std::size_t cases = argc > 1 ? std::stoul(argv[1]) : 10000, resamples = argc > 2 ? std::stoul(argv[2]) : 1000,
                    reports = argc > 3 ? std::stoul(argv[3]) : 10000;
  core::Rng rng(1);
  eval::ScoredCases data;
  for (int c = 0; c < 10; ++c) data.classes.push_back("class" + std::to_string(c));
  for (std::size_t i = 0; i < cases; ++i) {
    // CT-RATE-like names: about 1.3 volumes per patient.
    data.names.push_back("train_" + std::to_string(i * 3 / 4) + "_a_" + std::to_string(i));
    for (int c = 0; c < 10; ++c) {
      const bool positive = rng.bernoulli(0.05 + 0.03 * c);
      data.labels.push_back(positive);
      data.scores.push_back(1 / (1 + std::exp(-(rng.normal() + (positive ? 1.5 : 0)))));
    }
  }
  auto start = Clock::now();
  const auto plain = eval::classification_report(data, {}, 0, 1);
  std::printf("classification metrics, %zu cases x 10 classes: %.3f s\n", cases, seconds_since(start));
  start = Clock::now();
  const auto report = eval::classification_report(data, {}, resamples, 1);
  std::printf("  with %zu bootstrap resamples of patients: %.2f s (macro AUROC %.4f, 95 %% CI %.4f-%.4f)\n", resamples, seconds_since(start),
              *report.result.macro[0], report.macro_intervals[0]->lower, report.macro_intervals[0]->upper);

  const std::vector<std::string> codes{"1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"};
  std::vector<std::string> generated, reference;
  for (std::size_t i = 0; i < reports; ++i) {
    std::vector<data::SyntheticFinding> a, b;
    for (const auto& code : codes) {
      if (rng.bernoulli(0.3)) a.push_back({code, {"right upper lobe"}, 8, 1, {}, 0});
      if (rng.bernoulli(0.3)) b.push_back({code, {"left lower lobe"}, 12, 1, {}, 0});
    }
    generated.push_back(data::write_synthetic_report(a, rng).findings);
    reference.push_back(data::write_synthetic_report(b, rng).findings);
  }
  start = Clock::now();
  std::vector<eval::Tokens> hyps;
  std::vector<std::vector<eval::Tokens>> refs;
  for (std::size_t i = 0; i < reports; ++i) {
    hyps.push_back(text::nlg_tokens(generated[i]));
    refs.push_back({text::nlg_tokens(reference[i])});
  }
  const auto scores = eval::score_reports(hyps, refs);
  std::printf("report metrics (BLEU-1..4, METEOR, ROUGE-L, CIDEr-D), %zu reports: %.2f s (BLEU-4 %.4f, CIDEr-D %.4f)\n", reports,
              seconds_since(start), scores.bleu[3], scores.cider);
  start = Clock::now();
  const auto labels = data::load_label_set("configs/labels/unict10.yaml");
  const text::ReportLabeler labeler(text::load_labeler_config("configs/labels/unict10_labeler.yaml", labels.names()));
  std::vector<std::vector<std::uint8_t>> g, r;
  for (std::size_t i = 0; i < reports; ++i) {
    g.push_back(labeler.label(generated[i]));
    r.push_back(labeler.label(reference[i]));
  }
  const auto ce = eval::clinical_efficacy(g, r, labels.names());
  std::printf("clinical efficacy (labeler on %zu generated + %zu reference reports): %.2f s (macro F1 %.4f)\n", reports, reports,
              seconds_since(start), *ce.f1);
  (void)plain;
  return 0;
}

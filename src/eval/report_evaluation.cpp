#include "unict/eval/report_evaluation.h"

#include "unict/core/error.h"
#include "unict/eval/clinical_efficacy.h"
#include "unict/eval/report_files.h"
#include "unict/eval/report_metrics.h"
#include "unict/text/nlg_tokenize.h"
#include "unict/text/report_labeler.h"

namespace unict::eval {

ReportEvaluation evaluate_report_files(const std::filesystem::path& generated_file, const std::filesystem::path& reference_file,
                                     const text::ReportLabeler& labeler, const std::vector<std::string>& classes) {
  const auto generated = read_report_lines(generated_file, true);
  const auto references = read_report_lines(reference_file, false);
  std::vector<Tokens> hyps;
  std::vector<std::vector<Tokens>> refs;
  std::vector<std::vector<std::uint8_t>> generated_labels, reference_labels;
  for (const auto& [name, reports] : generated) {
    const auto found = references.find(name);
    if (found == references.end()) throw Error("volume has a generated report but no reference").file(reference_file.string()).value(name);
    hyps.push_back(text::nlg_tokens(reports.front()));
    refs.emplace_back();
    for (const auto& r : found->second) refs.back().push_back(text::nlg_tokens(r));
    generated_labels.push_back(labeler.label(reports.front()));
    std::vector<std::uint8_t> stated(classes.size(), 0);
    for (const auto& r : found->second) {
      const auto l = labeler.label(r);
      for (std::size_t c = 0; c < stated.size(); ++c) stated[c] |= l[c];
    }
    reference_labels.push_back(stated);
  }
  for (const auto& [name, reports] : references)
    if (!generated.count(name)) throw Error("volume has a reference but no generated report").file(generated_file.string()).value(name);
  const auto s = score_reports(hyps, refs);
  nlohmann::json doc{{"bleu1", s.bleu[0]}, {"bleu2", s.bleu[1]}, {"bleu3", s.bleu[2]}, {"bleu4", s.bleu[3]},
                     {"meteor", s.meteor}, {"rouge_l", s.rouge_l}, {"cider", s.cider}, {"reports", hyps.size()}};
  const auto ce = clinical_efficacy(generated_labels, reference_labels, classes);
  doc["ce"] = to_json(ce);
  doc["conventions"] =
      "tokens: lower case, split on white space, punctuation stripped from token ends; BLEU corpus-level, closest reference "
      "length, no smoothing; METEOR exact-match stage only (no stems, synonyms or paraphrases), mean of sentence scores; "
      "ROUGE-L beta 1.2; CIDEr-D sigma 6, x10, document frequencies from these references";
  ReportEvaluation out{doc, {}};
  for (int n = 0; n < 4; ++n) out.metrics.set("rep.bleu" + std::to_string(n + 1), s.bleu[static_cast<std::size_t>(n)]);
  out.metrics.set("rep.meteor", s.meteor);
  out.metrics.set("rep.rouge_l", s.rouge_l);
  out.metrics.set("rep.cider", s.cider);
  out.metrics.set("rep.ce_precision_macro", ce.precision);
  out.metrics.set("rep.ce_recall_macro", ce.recall);
  out.metrics.set("rep.ce_f1_macro", ce.f1);
  return out;
}

}  // namespace unict::eval

// Report evaluation from files, as `unict metrics reports` and `unict evaluate` do it: the
// generated reports (one per volume) scored against the references (one or more per volume) with
// the NLG metrics (report_metrics.h) and clinical efficacy (clinical_efficacy.h, with the labels
// the report labeler finds; with several references a class counts when any of them states it).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/eval/metric_registry.h"

namespace unict::text {
class ReportLabeler;
}

namespace unict::eval {

struct ReportEvaluation {
  // {"bleu1".."bleu4", "meteor", "rouge_l", "cider", "reports", "ce": {...}, "conventions"}
  nlohmann::json details;
  MetricValues metrics;  // rep.bleu1..4, rep.meteor, rep.rouge_l, rep.cider, rep.ce_{precision,recall,f1}_macro
};

// A volume in one file and not the other is an Error naming the file and the volume.
ReportEvaluation evaluate_report_files(const std::filesystem::path& generated, const std::filesystem::path& references,
                                     const text::ReportLabeler& labeler, const std::vector<std::string>& classes);

}  // namespace unict::eval

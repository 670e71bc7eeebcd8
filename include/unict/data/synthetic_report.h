// Radiology report text for a synthetic case: one sentence per finding (with its location and
// size), a few negated absent abnormalities, and normal anatomy statements, drawn from varied
// templates. Deterministic for a given Rng state.
#pragma once

#include <string>
#include <vector>

#include "unict/core/seed.h"
#include "unict/data/synthetic_case.h"

namespace unict::data {

struct SyntheticReport {
  std::string findings;                       // Findings_EN
  std::string impressions;                    // Impressions_EN
  std::vector<std::string> finding_sentences; // one per SyntheticFinding, in order (ReXGroundingCT findings)
};

SyntheticReport write_synthetic_report(const std::vector<SyntheticFinding>& findings, core::Rng& rng);

// The grid profile's report: one sentence per finding, in the given order, that states what the
// image shows and nothing else ("Consolidation in the right middle lobe, moderate."), and one
// fixed sentence when there is none. No randomness: the image determines every word.
SyntheticReport write_grid_report(const std::vector<SyntheticFinding>& findings);

// Plain words for a lesion code, for impressions and tables ("pleural effusion").
std::string synthetic_code_words(const std::string& code);

}  // namespace unict::data

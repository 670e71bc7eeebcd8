// Report-generation metrics over a corpus of (generated, references) pairs, on the tokens of
// text::nlg_tokens:
//   BLEU-1..4: corpus level, clipped n-gram precision, the closest reference length (ties: the
//     shorter), brevity penalty exp(1 - r / c) when c < r, uniform weights, no smoothing: a zero
//     n-gram precision makes BLEU-n 0 (pycocoevalcap's definition without its 1e-9 / 1e-15 guards;
//     equal to nltk's corpus_bleu except that nltk counts a report too short for any n-gram as
//     one guessed n-gram);
//   METEOR: the exact-match stage only (no stemming, synonyms or paraphrases), nltk's alignment
//     (each generated word, last to first, takes the last unused equal reference word), alpha 0.9,
//     beta 3, gamma 0.5, the best reference per report, averaged over reports;
//   ROUGE-L: LCS-based F with beta 1.2, precision and recall each the best over references
//     (pycocoevalcap), averaged over reports;
//   CIDEr-D: n = 1..4, TF-IDF vectors with document frequencies from the evaluated references,
//     clipped generated counts, Gaussian length penalty sigma 6, times 10, averaged over n,
//     references and reports (coco-caption's CIDEr-D).
#pragma once

#include <string>
#include <vector>

namespace unict::eval {

using Tokens = std::vector<std::string>;

struct ReportScores {
  double bleu[4] = {0, 0, 0, 0};
  double meteor = 0, rouge_l = 0, cider = 0;
};

// `generated[i]` is scored against `references[i]` (one or more token lists each).
ReportScores score_reports(const std::vector<Tokens>& generated, const std::vector<std::vector<Tokens>>& references);

// The parts, exposed for tests.
double meteor_sentence(const Tokens& generated, const Tokens& reference);
double rouge_l_sentence(const Tokens& generated, const std::vector<Tokens>& references, double beta = 1.2);

}  // namespace unict::eval

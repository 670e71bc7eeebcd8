#include "unict/eval/report_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/core/seed.h"
#include "unict/io/json.h"
#include "unict/text/nlg_tokenize.h"

namespace unict::eval {
namespace {

TEST(NlgTokens, LowerCaseWhiteSpaceAndPunctuationRemoved) {
  EXPECT_EQ(text::nlg_tokens("No pleural effusion. A 3.5 cm nodule (right upper lobe); X-ray: clear!"),
            (Tokens{"no", "pleural", "effusion", "a", "3.5", "cm", "nodule", "right", "upper", "lobe", "x-ray", "clear"}));
  EXPECT_TRUE(text::nlg_tokens(" ... , ").empty());
}

// Random reports over a small vocabulary, with one to three references each, so that n-grams
// repeat, clip and sometimes do not occur at all.
std::vector<std::pair<Tokens, std::vector<Tokens>>> random_reports(std::size_t count, std::uint64_t seed) {
  const Tokens vocabulary{"no", "pleural", "effusion", "nodule", "in", "the", "right", "left", "lobe", "mild", "emphysema", "is", "seen"};
  core::Rng rng(seed);
  auto sentence = [&](std::size_t min_length) {
    Tokens t;
    const auto n = min_length + rng.below(12);
    for (std::size_t i = 0; i < n; ++i) t.push_back(vocabulary[rng.below(vocabulary.size())]);
    return t;
  };
  std::vector<std::pair<Tokens, std::vector<Tokens>>> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<Tokens> refs;
    for (std::size_t r = 0, n = 1 + rng.below(3); r < n; ++r) refs.push_back(sentence(3));
    // Generated reports of 4 tokens or more: nltk counts a hypothesis too short to hold an n-gram
    // as one guessed n-gram (its max(1, ...) denominator); pycocoevalcap and unict count none.
    out.emplace_back(sentence(4), refs);
  }
  return out;
}

TEST(ReportMetrics, BleuAndExactMeteorMatchNltk) {
  for (std::uint64_t seed : {1u, 2u}) {
    const auto reports = random_reports(seed == 1 ? 60 : 3, seed);  // a larger corpus and a tiny one (zero 4-gram matches)
    test::TempDir dir;
    nlohmann::json doc = nlohmann::json::array();
    std::vector<Tokens> generated;
    std::vector<std::vector<Tokens>> references;
    for (const auto& [hyp, refs] : reports) {
      doc.push_back({{"generated", hyp}, {"references", refs}});
      generated.push_back(hyp);
      references.push_back(refs);
    }
    io::write_json(dir / "reports.json", doc);
    ASSERT_EQ(test::run_python("eval/reference/report_reference.py", "'" + dir.path().string() + "'"), 0);
    const auto reference = io::read_json(dir / "reference.json");
    const auto scores = score_reports(generated, references);
    for (int n = 0; n < 4; ++n) EXPECT_NEAR(scores.bleu[n], reference["bleu"][static_cast<std::size_t>(n)].get<double>(), 1e-9) << "BLEU-" << n + 1;
    double meteor = 0;
    for (std::size_t i = 0; i < reports.size(); ++i) {
      double best = 0;
      for (const auto& ref : references[i]) best = std::max(best, meteor_sentence(generated[i], ref));
      EXPECT_NEAR(best, reference["meteor"][i].get<double>(), 1e-9) << "report " << i;
      meteor += best;
    }
    EXPECT_NEAR(scores.meteor, meteor / static_cast<double>(reports.size()), 1e-12);
  }
}

TEST(ReportMetrics, RougeLOnHandWorkedCases) {
  // LCS "the cat on the mat" = 5 of 6 and 6: P = R = 5/6, so F = 5/6.
  EXPECT_NEAR(rouge_l_sentence(Tokens{"the", "cat", "sat", "on", "the", "mat"}, {{"the", "cat", "is", "on", "the", "mat"}}), 5.0 / 6, 1e-12);
  // LCS 3: P = 3/3, R = 3/6; F = (1 + 1.44) * 1 * 0.5 / (0.5 + 1.44 * 1).
  EXPECT_NEAR(rouge_l_sentence(Tokens{"a", "b", "c"}, {{"a", "x", "b", "y", "c", "z"}}), 2.44 * 0.5 / 1.94, 1e-12);
  // Precision and recall each take their best reference.
  EXPECT_NEAR(rouge_l_sentence(Tokens{"a", "b"}, {{"a", "b", "c", "d"}, {"a"}}), 2.44 * 1 * 1 / (1 + 1.44 * 1), 1e-12);
  EXPECT_EQ(rouge_l_sentence(Tokens{"a"}, {{"b"}}), 0.0);
}

TEST(ReportMetrics, CiderDOnAHandWorkedCorpus) {
  // Two reports, N = 2 documents: every n-gram has df 1 (or 0), so every weight is ln 2.
  //   A: "a b" vs "a b": unigram sim 1, bigram sim 1, 3- and 4-grams 0: mean 0.5, x 10 = 5.
  //   B: "c d" vs "c e": unigram sim ln2^2 / (2 ln2^2) = 0.5, the rest 0: mean 0.125, x 10 = 1.25.
  const auto s = score_reports({{"a", "b"}, {"c", "d"}}, {{{"a", "b"}}, {{"c", "e"}}});
  EXPECT_NEAR(s.cider, (5.0 + 1.25) / 2, 1e-12);
  // The Gaussian length penalty: "a b" against "a b x x x x x x x" (9 tokens): delta = 7 (in bigrams).
  const auto longer = score_reports({{"a", "b"}, {"q"}}, {{{"a", "b", "x", "x", "x", "x", "x", "x", "x"}}, {{"r"}}});
  EXPECT_GT(longer.cider, 0);
  EXPECT_LT(longer.cider, 5.0 * std::exp(-49.0 / 72) + 1e-9);
}

TEST(ReportMetrics, IdenticalReportsScorePerfectly) {
  const std::vector<Tokens> reports{{"no", "pleural", "effusion", "is", "seen"}, {"mild", "emphysema", "in", "the", "upper", "lobes"}};
  const auto s = score_reports(reports, {{reports[0]}, {reports[1]}});
  for (double b : s.bleu) EXPECT_NEAR(b, 1.0, 1e-12);
  EXPECT_NEAR(s.rouge_l, 1.0, 1e-12);
  // METEOR of an identical sentence of m words: one chunk, penalty 0.5 (1 / m)^3.
  EXPECT_NEAR(s.meteor, ((1 - 0.5 / 125) + (1 - 0.5 / 216)) / 2, 1e-12);
}

}  // namespace
}  // namespace unict::eval

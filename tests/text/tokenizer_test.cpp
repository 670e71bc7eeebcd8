#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/data/synthetic_report.h"
#include "unict/text/tokenizer.h"

namespace unict::text {
namespace {

// Reports of the synthetic generator: varied templates, locations, sizes and negations.
std::vector<std::string> synthetic_reports(std::size_t count, std::uint64_t seed) {
  core::Rng rng(seed);
  const std::vector<std::string> codes{"1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"};
  std::vector<std::string> reports;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<data::SyntheticFinding> findings;
    for (const auto& code : codes)
      if (rng.bernoulli(0.25)) findings.push_back({code, {"right upper lobe"}, 4.0 + rng.uniform() * 20, 1, {}, 0, {}});
    reports.push_back(data::write_synthetic_report(findings, rng).findings);
  }
  return reports;
}

TokenizerConfig config(std::int64_t vocab, std::string type) {
  TokenizerConfig c;
  c.vocab_size = vocab;
  c.model_type = std::move(type);
  c.character_coverage = 1.0;
  return c;
}

TEST(Tokenizer, RoundTripsReportTextForEveryModelType) {
  const auto train = synthetic_reports(150, 1);
  const auto held_out = synthetic_reports(20, 2);
  for (const std::string type : {"unigram", "bpe", "word", "char"}) {
    const auto tokenizer = ReportTokenizer::train(train, config(300, type));
    EXPECT_LE(tokenizer.vocab_size(), 300) << type;
    for (const auto& report : held_out) {
      const auto ids = tokenizer.encode(report);
      ASSERT_FALSE(ids.empty());
      for (auto id : ids) EXPECT_GT(id, ReportTokenizer::kEos) << type;  // no special id inside text
      if (type != "word") {  // word: unseen words become UNK
        EXPECT_EQ(tokenizer.decode(ids), report) << type;
      }
    }
  }
}

TEST(Tokenizer, SpecialIdsAreFixedAndFramingCutsToLength) {
  const auto tokenizer = ReportTokenizer::train(synthetic_reports(100, 3), config(200, "unigram"));
  EXPECT_EQ(tokenizer.piece(ReportTokenizer::kPad), "<pad>");
  EXPECT_EQ(tokenizer.piece(ReportTokenizer::kUnk), "<unk>");
  EXPECT_EQ(tokenizer.piece(ReportTokenizer::kBos), "<s>");
  EXPECT_EQ(tokenizer.piece(ReportTokenizer::kEos), "</s>");
  EXPECT_EQ(kPadId, 0);
  EXPECT_EQ(kBosId, 2);
  const std::string report = "No pleural effusion. Mild emphysema in both upper lobes.";
  const auto framed = tokenizer.frame(report, 200);
  EXPECT_EQ(framed.front(), kBosId);
  EXPECT_EQ(framed.back(), kEosId);
  EXPECT_EQ(tokenizer.decode(framed), report);
  const auto cut = tokenizer.frame(report, 5);
  EXPECT_EQ(cut.size(), 5u);
  EXPECT_EQ(cut.back(), kEosId);
  // decode stops at EOS and skips PAD / BOS.
  auto padded = framed;
  padded.push_back(kPadId);
  padded.push_back(framed[1]);
  EXPECT_EQ(tokenizer.decode(padded), report);
}

TEST(Tokenizer, SavedModelReloadsIdentically) {
  test::TempDir dir;
  const auto reports = synthetic_reports(80, 4);
  const auto tokenizer = ReportTokenizer::train(reports, config(150, "bpe"));
  tokenizer.save(dir / "tokenizer.model");
  const auto reloaded = ReportTokenizer::load(dir / "tokenizer.model");
  EXPECT_EQ(reloaded.vocab_size(), tokenizer.vocab_size());
  for (const auto& r : reports) EXPECT_EQ(reloaded.encode(r), tokenizer.encode(r));
  // Training is deterministic: the same reports give the same model.
  const auto again = ReportTokenizer::train(reports, config(150, "bpe"));
  again.save(dir / "again.model");
  EXPECT_EQ(test::slurp(dir / "again.model"), test::slurp(dir / "tokenizer.model"));
}

TEST(Tokenizer, BadInputIsAClearError) {
  test::TempDir dir;
  EXPECT_CONTAINS(test::error_of([] { ReportTokenizer::train({"", ""}, config(100, "unigram")); }), "no report text");
  const auto junk = dir.write("junk.model", "not a model");
  EXPECT_CONTAINS(test::error_of([&] { ReportTokenizer::load(junk); }), "junk.model");
  EXPECT_CONTAINS(test::error_of([&] { ReportTokenizer::load(dir / "absent.model"); }), "absent.model");
}

}  // namespace
}  // namespace unict::text

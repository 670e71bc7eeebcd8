#include "unict/data/splits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/core/seed.h"

namespace unict::data {
namespace {

// Patients with 1-3 volumes and 10 labels of different prevalence (some rare).
SampleSet random_samples(std::size_t patients, std::uint64_t seed) {
  core::Rng rng(seed, "test-samples");
  SampleSet set;
  for (int c = 0; c < 10; ++c) set.class_names.push_back("c" + std::to_string(c));
  for (std::size_t p = 0; p < patients; ++p) {
    std::vector<std::uint8_t> labels(10);
    for (std::size_t c = 0; c < 10; ++c) labels[c] = rng.bernoulli(0.04 + 0.05 * static_cast<double>(c)) ? 1 : 0;
    const auto volumes = 1 + rng.below(3);
    for (std::uint64_t v = 0; v < volumes; ++v) {
      Sample s;
      s.patient = "train_" + std::to_string(p);
      s.name = s.patient + "_a_" + std::to_string(v + 1);
      s.labels = labels;
      set.samples.push_back(s);
    }
  }
  return set;
}

TEST(Splits, InvariantsHoldForEverySeedAndSize) {
  for (std::size_t n : {9u, 37u, 200u}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      const SampleSet samples = random_samples(n, seed);
      const SplitConfig config{5, 0.15};
      const Splits s = make_splits(samples, config, seed);
      ASSERT_EQ(s.fold.size(), 5u);
      std::multiset<std::string> all_tests;
      for (const auto& f : s.fold) {
        std::set<std::string> seen;
        for (const auto* part : {&f.train, &f.val, &f.test})
          for (const auto& p : *part) EXPECT_TRUE(seen.insert(p).second) << p << " is in two parts of a fold (n " << n << ")";
        EXPECT_EQ(seen.size(), n);  // every patient is somewhere in every fold
        all_tests.insert(f.test.begin(), f.test.end());
        const double expected_test = static_cast<double>(n) / 5, expected_val = 0.15 * static_cast<double>(n);
        EXPECT_LE(std::fabs(static_cast<double>(f.test.size()) - expected_test), 1.0 + 0.05 * expected_test) << "n " << n;
        EXPECT_LE(std::fabs(static_cast<double>(f.val.size()) - expected_val), 1.5 + 0.05 * expected_val) << "n " << n;
      }
      // The test sets partition the patients: each exactly once.
      EXPECT_EQ(all_tests.size(), n);
      EXPECT_EQ(std::set<std::string>(all_tests.begin(), all_tests.end()).size(), n);
    }
  }
}

TEST(Splits, AreDeterministicBySeed) {
  const SampleSet samples = random_samples(60, 3);
  const SplitConfig config{5, 0.15};
  EXPECT_EQ(make_splits(samples, config, 7).fold[2].test, make_splits(samples, config, 7).fold[2].test);
  EXPECT_NE(make_splits(samples, config, 7).fold[2].test, make_splits(samples, config, 8).fold[2].test);
}

// Stratification: the positives of each label spread over the test groups more evenly than a
// random partition of the same sizes spreads them.
TEST(Splits, StratificationBalancesLabelsBetterThanChance) {
  double stratified = 0, random = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const SampleSet samples = random_samples(100, seed);
    std::vector<PatientLabels> patients;
    for (const auto& s : samples.samples)
      if (patients.empty() || patients.back().patient != s.patient) patients.push_back({s.patient, s.labels});
    const auto groups = stratified_groups(patients, std::vector<double>(5, 0.2), seed);
    core::Rng rng(seed, "baseline");
    std::vector<std::size_t> shuffled(patients.size());
    for (std::size_t i = 0; i < shuffled.size(); ++i) shuffled[i] = i % 5;
    for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[static_cast<std::size_t>(rng.below(i))]);
    for (std::size_t label = 0; label < 10; ++label) {
      for (const std::vector<std::size_t>* assignment : {&groups, static_cast<const std::vector<std::size_t>*>(&shuffled)}) {
        std::vector<double> count(5, 0);
        for (std::size_t i = 0; i < patients.size(); ++i) count[(*assignment)[i]] += patients[i].labels[label];
        const double mean = (count[0] + count[1] + count[2] + count[3] + count[4]) / 5;
        double var = 0;
        for (double c : count) var += (c - mean) * (c - mean);
        (assignment == &groups ? stratified : random) += var;
      }
    }
  }
  EXPECT_LT(stratified, 0.5 * random) << "stratified variance " << stratified << " vs random " << random;
}

TEST(Splits, TokenizerReportsComeFromTrainingPatientsOnly) {
  SampleSet samples = random_samples(40, 3);
  for (auto& s : samples.samples) s.report = "report of " + s.name;
  const Splits splits = make_splits(samples, SplitConfig{5, 0.15}, 2);
  for (const auto& fold : splits.fold) {
    const auto reports = training_reports(samples, fold);
    std::set<std::string> got(reports.begin(), reports.end());
    std::size_t expected = 0;
    for (const auto& s : samples.samples) {
      const bool in_train = std::count(fold.train.begin(), fold.train.end(), s.patient) > 0;
      EXPECT_EQ(got.count(s.report), in_train ? 1u : 0u) << s.name;
      expected += in_train;
    }
    EXPECT_EQ(reports.size(), expected);
  }
}

TEST(Splits, TooFewPatientsIsAnError) {
  EXPECT_THROW(make_splits(random_samples(5, 1), SplitConfig{5, 0.15}, 1), Error);
}

TEST(Splits, JsonRoundTrip) {
  const SampleSet samples = random_samples(30, 2);
  const Splits s = make_splits(samples, SplitConfig{4, 0.2}, 9);
  const Splits back = splits_from_json(splits_to_json(s, samples), "splits.json");
  EXPECT_EQ(back.folds, 4);
  EXPECT_EQ(back.volumes_of_patient, s.volumes_of_patient);
  for (std::size_t f = 0; f < 4; ++f) {
    EXPECT_EQ(back.fold[f].train, s.fold[f].train);
    EXPECT_EQ(back.fold[f].val, s.fold[f].val);
    EXPECT_EQ(back.fold[f].test, s.fold[f].test);
  }
  EXPECT_THROW(splits_from_json(nlohmann::json::object(), "x.json"), Error);
}

}  // namespace
}  // namespace unict::data

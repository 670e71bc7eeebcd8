#include "unict/data/splits.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/core/seed.h"

namespace unict::data {

const core::Section<SplitConfig>& split_section() {
  static const core::Section<SplitConfig> section = [] {
    core::Section<SplitConfig> s("split");
    s.key("folds", &SplitConfig::folds, std::int64_t{5}, "cross-validation folds K; the K test sets partition the patients")
        .in_range(core::Range::closed(2, 50));
    s.key("val_fraction", &SplitConfig::val_fraction, 0.15, "share of all patients used for validation in each fold")
        .in_range({0.0, 0.5, true, true});
    return s;
  }();
  return section;
}

std::vector<std::size_t> stratified_groups(const std::vector<PatientLabels>& patients, const std::vector<double>& proportions,
                                           std::uint64_t seed) {
  const std::size_t n = patients.size(), groups = proportions.size();
  const std::size_t labels = patients.empty() ? 0 : patients.front().labels.size();
  // A deterministic shuffle first, so that ties are broken at random but reproducibly.
  core::Rng rng(seed, "stratified-groups");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng.shuffle(order);

  std::vector<double> need_size(groups);
  std::vector<std::vector<double>> need(groups, std::vector<double>(labels, 0.0));
  std::vector<double> positives(labels, 0.0);
  for (const auto& p : patients)
    for (std::size_t l = 0; l < labels; ++l) positives[l] += p.labels[l];
  for (std::size_t g = 0; g < groups; ++g) {
    need_size[g] = proportions[g] * static_cast<double>(n);
    for (std::size_t l = 0; l < labels; ++l) need[g][l] = proportions[g] * positives[l];
  }
  std::vector<std::size_t> group(n, groups);
  std::vector<double> remaining = positives;
  auto place = [&](std::size_t patient, std::size_t g) {
    group[patient] = g;
    need_size[g] -= 1;
    for (std::size_t l = 0; l < labels; ++l) {
      need[g][l] -= patients[patient].labels[l];
      remaining[l] -= patients[patient].labels[l];
    }
  };
  for (;;) {
    // The rarest label that still has unplaced patients.
    std::size_t rarest = labels;
    for (std::size_t l = 0; l < labels; ++l)
      if (remaining[l] > 0 && (rarest == labels || remaining[l] < remaining[rarest])) rarest = l;
    if (rarest == labels) break;
    for (std::size_t i : order) {
      if (group[i] != groups || !patients[i].labels[rarest]) continue;
      // Groups that reached their size are out while any other still has room: labels are
      // balanced within the sizes, not at their expense.
      const bool any_room = std::any_of(need_size.begin(), need_size.end(), [](double v) { return v > 0.5; });
      std::size_t best = groups;
      for (std::size_t g = 0; g < groups; ++g) {
        if (any_room && need_size[g] <= 0.5) continue;
        if (best == groups) {
          best = g;
          continue;
        }
        const double a = need[g][rarest], b = need[best][rarest];
        if (a > b + 1e-9 || (std::fabs(a - b) <= 1e-9 && need_size[g] > need_size[best] + 1e-9)) best = g;
      }
      place(i, best);
    }
  }
  for (std::size_t i : order) {  // patients without any positive label: balance the sizes
    if (group[i] != groups) continue;
    const auto best = static_cast<std::size_t>(std::max_element(need_size.begin(), need_size.end()) - need_size.begin());
    place(i, best);
  }
  return group;
}

Splits make_splits(const SampleSet& samples, const SplitConfig& config, std::uint64_t seed) {
  Splits s;
  s.folds = config.folds;
  s.val_fraction = config.val_fraction;
  s.seed = seed;
  s.class_names = samples.class_names;
  std::map<std::string, std::vector<std::uint8_t>> labels_of;
  for (const auto& sample : samples.samples) {
    s.volumes_of_patient[sample.patient].push_back(sample.name);
    auto& labels = labels_of[sample.patient];
    labels.resize(sample.labels.size(), 0);
    for (std::size_t l = 0; l < sample.labels.size(); ++l) labels[l] = static_cast<std::uint8_t>(labels[l] | sample.labels[l]);
  }
  std::vector<PatientLabels> patients;
  for (const auto& [patient, labels] : labels_of) patients.push_back({patient, labels});
  const auto k = static_cast<std::size_t>(config.folds);
  if (patients.size() < k + 2)
    throw Error("too few patients for the folds").value(std::to_string(patients.size()) + " patients")
        .expected("at least split.folds + 2 = " + std::to_string(k + 2));

  const auto test_group = stratified_groups(patients, std::vector<double>(k, 1.0 / static_cast<double>(k)), seed);
  s.fold.resize(k);
  for (std::size_t f = 0; f < k; ++f) {
    std::vector<PatientLabels> rest;
    for (std::size_t i = 0; i < patients.size(); ++i) {
      if (test_group[i] == f) s.fold[f].test.push_back(patients[i].patient);
      else rest.push_back(patients[i]);
    }
    // Validation takes val_fraction of all patients out of the rest.
    const double share = std::min(0.9, config.val_fraction * static_cast<double>(patients.size()) / static_cast<double>(rest.size()));
    const auto part = stratified_groups(rest, {share, 1.0 - share}, core::derive_seed(seed, "validation", {f}));
    for (std::size_t i = 0; i < rest.size(); ++i) (part[i] == 0 ? s.fold[f].val : s.fold[f].train).push_back(rest[i].patient);
    for (auto* list : {&s.fold[f].train, &s.fold[f].val, &s.fold[f].test}) std::sort(list->begin(), list->end());
  }
  return s;
}

std::vector<std::string> training_reports(const SampleSet& samples, const Fold& fold) {
  // fold.train is sorted (see Fold).
  std::vector<std::string> reports;
  for (const auto& sample : samples.samples)
    if (!sample.report.empty() && std::binary_search(fold.train.begin(), fold.train.end(), sample.patient)) reports.push_back(sample.report);
  return reports;
}

nlohmann::json splits_to_json(const Splits& s, const SampleSet& samples) {
  nlohmann::json j;
  j["folds"] = s.folds;
  j["val_fraction"] = s.val_fraction;
  j["seed"] = s.seed;
  j["classes"] = s.class_names;
  j["patients"] = s.volumes_of_patient;
  std::map<std::string, const Sample*> by_name;
  for (const auto& sample : samples.samples) by_name[sample.name] = &sample;
  nlohmann::json folds = nlohmann::json::array();
  for (const auto& f : s.fold) {
    nlohmann::json fold;
    for (const auto& [part, list] : {std::pair<const char*, const std::vector<std::string>*>{"train", &f.train}, {"val", &f.val}, {"test", &f.test}}) {
      fold[part] = *list;
      // Summary: volumes and positives per class, so a reader can see the balance.
      std::size_t volumes = 0;
      std::vector<std::size_t> positives(s.class_names.size(), 0);
      for (const auto& patient : *list) {
        for (const auto& volume : s.volumes_of_patient.at(patient)) {
          ++volumes;
          const Sample* sample = by_name.at(volume);
          for (std::size_t l = 0; l < positives.size(); ++l) positives[l] += sample->labels[l];
        }
      }
      fold["counts"][part] = {{"patients", list->size()}, {"volumes", volumes}, {"positives", positives}};
    }
    folds.push_back(fold);
  }
  j["fold"] = folds;
  return j;
}

Splits splits_from_json(const nlohmann::json& j, const std::string& file) {
  try {
    Splits s;
    s.folds = j.at("folds").get<std::int64_t>();
    s.val_fraction = j.at("val_fraction").get<double>();
    s.seed = j.at("seed").get<std::uint64_t>();
    s.class_names = j.at("classes").get<std::vector<std::string>>();
    s.volumes_of_patient = j.at("patients").get<std::map<std::string, std::vector<std::string>>>();
    for (const auto& f : j.at("fold")) {
      Fold fold;
      fold.train = f.at("train").get<std::vector<std::string>>();
      fold.val = f.at("val").get<std::vector<std::string>>();
      fold.test = f.at("test").get<std::vector<std::string>>();
      s.fold.push_back(std::move(fold));
    }
    if (static_cast<std::int64_t>(s.fold.size()) != s.folds) throw Error("'fold' does not list 'folds' folds").file(file);
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a splits file: ") + e.what()).file(file);
  }
}

}  // namespace unict::data

#include "unict/text/report_labeler.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "unict/core/error.h"
#include "unict/core/string_distance.h"
#include "unict/core/yaml_reader.h"

namespace unict::text {
namespace {

std::string singular(const std::string& w) {
  auto ends = [&](const char* s) {
    const std::string suffix(s);
    return w.size() > suffix.size() && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (w.size() > 4 && ends("ies")) return w.substr(0, w.size() - 3) + "y";
  if (ends("sses") || ends("xes") || ends("ches") || ends("shes")) return w.substr(0, w.size() - 2);
  // "atelectasis", "fibrosis", "thus", "glass" keep their s.
  if (w.size() > 3 && ends("s") && !ends("ss") && !ends("is") && !ends("us")) return w.substr(0, w.size() - 1);
  return w;
}

// Sentences: split at ; ! ? and line breaks, and at a '.' followed by white space or the end (so
// "3.5 mm" stays whole).
std::vector<std::string> sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool end = c == ';' || c == '!' || c == '?' || c == '\n' ||
                     (c == '.' && (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))));
    if (end) {
      out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  out.push_back(current);
  return out;
}

// Start positions of `phrase` in `words`.
std::vector<std::size_t> occurrences(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  std::vector<std::size_t> at;
  if (phrase.empty() || phrase.size() > words.size()) return at;
  for (std::size_t i = 0; i + phrase.size() <= words.size(); ++i)
    if (std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<std::ptrdiff_t>(i))) at.push_back(i);
  return at;
}

std::vector<std::vector<std::string>> phrases(const core::YamlNode& node) {
  std::vector<std::vector<std::string>> out;
  for (const auto& item : node.items()) {
    auto words = labeler_words(item.as_string());
    if (words.empty()) throw item.error("a phrase without a word").value(item.as_string());
    out.push_back(std::move(words));
  }
  return out;
}

}  // namespace

std::vector<std::string> labeler_words(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      current += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!current.empty()) {
      words.push_back(singular(current));
      current.clear();
    }
  }
  return words;
}

LabelerConfig load_labeler_config(const std::filesystem::path& file, const std::vector<std::string>& class_names) {
  const auto root = core::YamlNode::load_file(file);
  root.expect_keys({"window", "uncertain", "negation_before", "negation_after", "uncertainty", "scope_breaks", "classes"}, "the labeler's rules");
  LabelerConfig config;
  if (root.has("window")) {
    const auto window = root["window"].as_integer();
    if (window < 0) throw root["window"].error("invalid value").value(std::to_string(window)).expected("a word count >= 0");
    config.window = static_cast<std::size_t>(window);
  }
  if (root.has("uncertain")) {
    const auto u = root["uncertain"].as_string();
    if (u != "positive" && u != "negative") throw root["uncertain"].error("invalid value").value(u).expected("positive or negative");
    config.uncertain_positive = u == "positive";
  }
  config.negation_before = phrases(root["negation_before"]);
  config.negation_after = phrases(root["negation_after"]);
  config.uncertainty = phrases(root["uncertainty"]);
  config.scope_breaks = phrases(root["scope_breaks"]);
  const auto classes = root.required("classes");
  std::set<std::string> seen;
  for (const auto& [cls, vocabulary] : classes.entries()) {
    if (std::find(class_names.begin(), class_names.end(), cls) == class_names.end()) {
      Error e = vocabulary.error("not a class of the label set");
      if (const auto near = core::nearest_word(cls, class_names)) e.hint("did you mean '" + *near + "'?");
      throw e;
    }
    vocabulary.expect_keys({"terms", "not"}, "a class's vocabulary");
    seen.insert(cls);
    ClassVocabulary v{cls, phrases(vocabulary["terms"]), phrases(vocabulary["not"])};
    if (v.terms.empty()) throw vocabulary.error("a class needs terms").key(vocabulary.path() + ".terms");
    config.classes.push_back(std::move(v));
  }
  for (const auto& c : class_names)
    if (!seen.count(c)) throw classes.error("class has no vocabulary").key("classes." + c).expected("terms for every class of the label set");
  // The label set's order, whatever the file's.
  std::sort(config.classes.begin(), config.classes.end(), [&](const auto& a, const auto& b) {
    return std::find(class_names.begin(), class_names.end(), a.name) < std::find(class_names.begin(), class_names.end(), b.name);
  });
  return config;
}

ReportLabeler::ReportLabeler(LabelerConfig config) : config_(std::move(config)) {}

std::vector<std::uint8_t> ReportLabeler::label(const std::string& report) const {
  std::vector<std::uint8_t> labels(config_.classes.size(), 0);
  for (const auto& sentence : sentences(report)) {
    const auto words = labeler_words(sentence);
    // Clauses: the sentence cut at scope breaks ("no effusion but a nodule").
    std::vector<std::size_t> cuts{0};
    for (const auto& b : config_.scope_breaks)
      for (auto at : occurrences(words, b)) cuts.push_back(at);
    cuts.push_back(words.size());
    std::sort(cuts.begin(), cuts.end());
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
      const std::vector<std::string> clause(words.begin() + static_cast<std::ptrdiff_t>(cuts[k]), words.begin() + static_cast<std::ptrdiff_t>(cuts[k + 1]));
      bool uncertain = false;
      for (const auto& u : config_.uncertainty) uncertain |= !occurrences(clause, u).empty();
      for (std::size_t c = 0; c < config_.classes.size(); ++c) {
        const auto& vocabulary = config_.classes[c];
        for (const auto& term : vocabulary.terms) {
          for (auto start : occurrences(clause, term)) {
            const auto end = start + term.size();
            bool excluded = false;
            for (const auto& x : vocabulary.exclusions)
              for (auto xs : occurrences(clause, x)) excluded |= xs <= start && end <= xs + x.size();
            if (excluded) continue;
            bool negated = false;
            for (const auto& cue : config_.negation_before)
              for (auto cs : occurrences(clause, cue)) negated |= cs + cue.size() <= start && start - (cs + cue.size()) <= config_.window;
            for (const auto& cue : config_.negation_after)
              for (auto cs : occurrences(clause, cue)) negated |= cs >= end && cs - end <= config_.window;
            if (!negated && (!uncertain || config_.uncertain_positive)) labels[c] = 1;
          }
        }
      }
    }
  }
  return labels;
}

}  // namespace unict::text

// Edit distance, for "did you mean ...?" suggestions on mistyped keys and choices.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unict::core {

// Levenshtein distance (insertions, deletions, substitutions, each costing 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo: at most a third of
// the word's length (and at least 2) edits away. Ties go to the earlier candidate.
std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& candidates);

// The `count` candidates closest to `word`, closest first (ties in the candidates' order), however
// far they are: what to list when no candidate is a plausible typo.
std::vector<std::string> nearest_words(std::string_view word, const std::vector<std::string>& candidates, std::size_t count);

}  // namespace unict::core

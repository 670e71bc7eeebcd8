#include "unict/core/string_distance.h"

#include <gtest/gtest.h>

namespace unict::core {
namespace {

TEST(EditDistance, MatchesHandWorkedCases) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);  // the textbook example
  EXPECT_EQ(edit_distance("train.lrr", "train.lr"), 1u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
}

TEST(NearestWord, SuggestsOnlyPlausibleTypos) {
  const std::vector<std::string> keys = {"train.lr", "train.batch_size", "run.seed"};
  EXPECT_EQ(nearest_word("train.lrr", keys), "train.lr");
  EXPECT_EQ(nearest_word("train.bacth_size", keys), "train.batch_size");
  EXPECT_EQ(nearest_word("model.encoder", keys), std::nullopt);
}

}  // namespace
}  // namespace unict::core

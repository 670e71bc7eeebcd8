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

TEST(NearestWords, ListsTheClosestFirstHoweverFar) {
  const std::vector<std::string> names = {"emphysema", "nodule", "mass", "noduls", "groundglass"};
  EXPECT_EQ(nearest_words("nodules", names, 2), (std::vector<std::string>{"nodule", "noduls"}));  // 1 edit each: in the given order
  EXPECT_EQ(nearest_words("pneumothorax", names, 10).size(), names.size());
  EXPECT_EQ(nearest_words("mas", names, 1), std::vector<std::string>{"mass"});
  EXPECT_TRUE(nearest_words("x", {}, 3).empty());
}

}  // namespace
}  // namespace unict::core

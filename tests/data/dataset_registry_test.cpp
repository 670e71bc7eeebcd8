// The data-set registry: one training data set, the external one scores classification in its
// own classes, ids resolve and unknown ones are Errors naming the choices, and the external data
// sets of a config are the ones it names.
#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/data/dataset_registry.h"

namespace unict::data {
namespace {

TEST(DatasetRegistry, TrainsOnReXGroundingCtAndValidatesOnRadChestCt) {
  EXPECT_EQ(dataset_ids(), (std::vector<std::string>{"rexgroundingct", "radchestct"}));
  const auto& training = training_dataset();
  EXPECT_EQ(training.id, "rexgroundingct");
  EXPECT_TRUE(training.trains);
  for (auto t : core::all_tasks()) EXPECT_TRUE(training.scores(t));
  EXPECT_FALSE(training.own_classes);
  const auto& external = dataset_spec("radchestct");
  EXPECT_FALSE(external.trains);
  EXPECT_TRUE(external.scores(core::Task::cls));
  EXPECT_FALSE(external.scores(core::Task::seg));
  EXPECT_FALSE(external.scores(core::Task::rep));
  EXPECT_TRUE(external.own_classes);
}

TEST(DatasetRegistry, AnUnknownIdNamesItAndTheChoices) {
  const std::string error = test::error_of([] { dataset_spec("rexgrounding"); });
  EXPECT_CONTAINS(error, "unknown data set");
  EXPECT_CONTAINS(error, "'rexgrounding'");
  EXPECT_CONTAINS(error, "rexgroundingct or radchestct");
}

TEST(DatasetRegistry, ExternalDataSetsAreTheOnesTheConfigNames) {
  DataConfig config;
  EXPECT_TRUE(external_datasets(config).empty());
  config.radchestct_root = "/data/radchestct";
  const auto external = external_datasets(config);
  ASSERT_EQ(external.size(), 1u);
  EXPECT_EQ(external[0]->id, "radchestct");
}

TEST(DatasetRegistry, TheCacheKeyCoversEachDataSetsOwnKeysOnly) {
  DataConfig a, b;
  a.radchestct_root = b.radchestct_root = "/r";
  b.rexgrounding_root = "/elsewhere";  // not a key of RAD-ChestCT's cache
  EXPECT_EQ(dataset_spec("radchestct").source_settings(a), dataset_spec("radchestct").source_settings(b));
  EXPECT_NE(training_dataset().source_settings(a), training_dataset().source_settings(b));
}

}  // namespace
}  // namespace unict::data

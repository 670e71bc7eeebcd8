// The task type: the fixed token order, names both ways, and errors that name the word.
#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/core/task.h"

namespace unict::core {
namespace {

TEST(Task, NamesFollowTheTaskTokenOrder) {
  EXPECT_EQ(task_names(), (std::vector<std::string>{"cls", "seg", "rep"}));
  EXPECT_EQ(all_tasks(), (std::vector<Task>{Task::cls, Task::seg, Task::rep}));
  EXPECT_EQ(task_names({Task::rep, Task::cls}), (std::vector<std::string>{"rep", "cls"}));
}

TEST(Task, ParsesEachNameBackAndRejectsOthers) {
  for (Task t : all_tasks()) EXPECT_EQ(parse_task(task_name(t)), t);
  EXPECT_EQ(parse_tasks({"seg", "rep"}), (std::vector<Task>{Task::seg, Task::rep}));
  const std::string error = test::error_of([] { parse_task("segm"); });
  EXPECT_CONTAINS(error, "unknown task");
  EXPECT_CONTAINS(error, "segm");
  EXPECT_CONTAINS(error, "cls, seg or rep");
}

}  // namespace
}  // namespace unict::core

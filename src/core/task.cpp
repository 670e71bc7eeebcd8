#include "unict/core/task.h"

#include "unict/core/error.h"

namespace unict::core {

const std::vector<Task>& all_tasks() {
  static const std::vector<Task> tasks{Task::cls, Task::seg, Task::rep};
  return tasks;
}

std::string_view task_name(Task task) {
  switch (task) {
    case Task::cls: return "cls";
    case Task::seg: return "seg";
    case Task::rep: return "rep";
  }
  throw internal_error("a task without a name");
}

std::vector<std::string> task_names(const std::vector<Task>& tasks) {
  std::vector<std::string> out;
  for (Task t : tasks) out.emplace_back(task_name(t));
  return out;
}

std::vector<std::string> task_names() { return task_names(all_tasks()); }

Task parse_task(std::string_view name) {
  for (Task t : all_tasks())
    if (task_name(t) == name) return t;
  throw Error("unknown task").value(std::string(name)).expected("cls, seg or rep");
}

std::vector<Task> parse_tasks(const std::vector<std::string>& names) {
  std::vector<Task> out;
  for (const auto& n : names) out.push_back(parse_task(n));
  return out;
}

}  // namespace unict::core

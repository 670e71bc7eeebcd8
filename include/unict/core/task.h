// The model's three tasks, as a type. Their names ("cls", "seg", "rep") are written here only:
// configs (model.tasks), metric ids (cls.auroc_macro), parameter names (adapter_cls) and the
// attention matrix's labels all come from task_name().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unict::core {

enum class Task { cls, seg, rep };

// Every task, in the fixed order of the task tokens (and of the attention matrix's rows).
const std::vector<Task>& all_tasks();

std::string_view task_name(Task task);            // "cls", "seg", "rep"
std::vector<std::string> task_names();            // all_tasks()' names, in that order
std::vector<std::string> task_names(const std::vector<Task>& tasks);

// The task called `name`; an Error names the word and the three choices.
Task parse_task(std::string_view name);
std::vector<Task> parse_tasks(const std::vector<std::string>& names);

}  // namespace unict::core

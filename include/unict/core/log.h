// Logging: spdlog to stderr (so stdout stays clean for data such as `unict config show`), plus a
// file sink in the run folder. Code logs with spdlog::info(...) etc. directly.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

namespace unict::core {

// The level names accepted by --log-level and run.log_level, most verbose first.
const std::vector<std::string>& log_level_names();

// Installs the default logger (stderr, coloured on a terminal) if not yet done, at `level`.
// Throws Error naming the value and the allowed names when `level` is not one of them.
void init_logging(std::string_view level = "info");
void set_log_level(std::string_view level);

// Adds a sink that appends every message (whatever the console level, down to debug) to `file`,
// creating its folder. Used for the run folder's train.log.
void log_to_file(const std::filesystem::path& file);

// Tags every line from now on with "rank <rank>" (a distributed run; each rank logs to its own
// stderr, and rank 0 to train.log).
void set_log_rank(int rank);

// Removes file sinks (closing their files), e.g. between the folds of a cross-validation.
// spdlog's sink list is not guarded: call these while no other thread logs.
void stop_logging_to_files();

}  // namespace unict::core

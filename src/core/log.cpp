#include "unict/core/log.h"

#include <memory>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "unict/core/error.h"

namespace unict::core {
namespace {

constexpr const char* kLoggerName = "unict";

// " rank r" in a distributed run (set_log_rank), so that interleaved lines say whose they are.
std::string& rank_tag() {
  static std::string tag;
  return tag;
}

std::string console_pattern() { return "%^[%H:%M:%S %l" + rank_tag() + "]%$ %v"; }
std::string file_pattern() { return "[%Y-%m-%d %H:%M:%S.%e %l" + rank_tag() + "] %v"; }

spdlog::level::level_enum parse_level(std::string_view name) {
  static const std::vector<std::pair<std::string, spdlog::level::level_enum>> levels = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"off", spdlog::level::off}};
  for (const auto& [level_name, level] : levels)
    if (level_name == name) return level;
  throw Error("unknown log level").value(std::string(name)).expected("one of trace, debug, info, warn, error, off");
}

std::shared_ptr<spdlog::logger> unict_logger() {
  if (auto existing = spdlog::get(kLoggerName)) return existing;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern(console_pattern());
  auto logger = std::make_shared<spdlog::logger>(kLoggerName, console);
  // The logger passes everything on; each sink filters at its own level.
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  spdlog::set_default_logger(logger);
  return logger;
}

}  // namespace

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> names = {"trace", "debug", "info", "warn", "error", "off"};
  return names;
}

void init_logging(std::string_view level) { set_log_level(level); }

void set_log_level(std::string_view level) {
  const auto parsed = parse_level(level);
  auto logger = unict_logger();
  logger->sinks().front()->set_level(parsed);  // the console sink is always first
}

void log_to_file(const std::filesystem::path& file) {
  auto logger = unict_logger();
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) throw Error("cannot create the log folder: " + ec.message()).file(file.parent_path().string());
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
  try {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), /*truncate=*/false);
  } catch (const spdlog::spdlog_ex& e) {
    throw Error(std::string("cannot open the log file: ") + e.what()).file(file.string());
  }
  sink->set_pattern(file_pattern());
  sink->set_level(spdlog::level::debug);
  logger->sinks().push_back(std::move(sink));
}

void set_log_rank(int rank) {
  rank_tag() = " rank " + std::to_string(rank);
  auto logger = unict_logger();
  logger->sinks().front()->set_pattern(console_pattern());
  for (std::size_t i = 1; i < logger->sinks().size(); ++i) logger->sinks()[i]->set_pattern(file_pattern());
}

void stop_logging_to_files() {
  auto logger = unict_logger();
  logger->flush();
  logger->sinks().resize(1);  // keep the console sink
}

}  // namespace unict::core

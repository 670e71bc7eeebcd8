#include "unict/core/run_config.h"

#include <algorithm>
#include <cctype>

#include "unict/core/log.h"

namespace unict::core {
namespace {

// "cuda:0", "cuda:12": the only device names besides the fixed choices.
bool is_indexed_cuda(const std::string& name) {
  const std::string prefix = "cuda:";
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return false;
  for (std::size_t i = prefix.size(); i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

Section<RunConfig> make_run_section() {
  Section<RunConfig> s("run");
  s.key("name", &RunConfig::name, std::string("unict"), "experiment name; run folders go to <output_root>/<name>/")
      .satisfying("letters, digits, '.', '_' and '-' only", [](const Value& v) {
        const auto& text = std::get<std::string>(v);
        const bool ok = !text.empty() && text != "." && text != ".." &&
                        std::all_of(text.begin(), text.end(), [](unsigned char c) {
                          return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                        });
        return ok ? std::string() : std::string("a non-empty name of letters, digits, '.', '_' and '-'");
      });
  s.key("output_root", &RunConfig::output_root, std::filesystem::path("runs"),
        "folder that holds run folders (relative paths are taken from the current directory)");
  s.key("seed", &RunConfig::seed, std::int64_t{42}, "root seed of every random stream (data order, augmentation, initialisation)")
      .in_range(Range::closed(0, 9007199254740992.0));  // 2^53: exact in the YAML float of any reader
  s.key("threads", &RunConfig::threads, std::int64_t{0}, "CPU worker threads; 0 = one per hardware thread")
      .in_range(Range::closed(0, 1024));
  s.key("device", &RunConfig::device, std::string("auto"), "compute device: auto (CUDA when available), cpu, cuda or cuda:<index>")
      .satisfying("auto, cpu, cuda or cuda:<index>", [](const Value& v) {
        const auto& name = std::get<std::string>(v);
        const bool ok = name == "auto" || name == "cpu" || name == "cuda" || is_indexed_cuda(name);
        return ok ? std::string() : std::string("auto, cpu, cuda or cuda:<index>");
      });
  s.key("log_level", &RunConfig::log_level, std::string("info"), "console log level (the run folder's log always has debug)")
      .one_of(log_level_names());
  return s;
}

}  // namespace

const Section<RunConfig>& run_section() {
  static const Section<RunConfig> section = make_run_section();
  return section;
}

}  // namespace unict::core

// The layers of docs/architecture.md import only downward: a header or source file of one layer
// includes "unict/<layer>/..." only for its own layer or one listed before it.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

// The order of docs/architecture.md's layer table (cli, at the bottom, has no public headers).
const std::map<std::string, int>& layer_rank() {
  static const std::map<std::string, int> rank{{"core", 0}, {"io", 1},    {"data", 2},        {"text", 3}, {"model", 4},
                                               {"eval", 5}, {"train", 6}, {"experiments", 7}, {"cli", 8}};
  return rank;
}

// Every `#include "unict/<layer>/..."` in the files under root/<layer>/ that names a layer listed later.
std::vector<std::string> upward_includes(const fs::path& root) {
  const std::regex include(R"(^\s*#\s*include\s+"unict/(\w+)/)");
  std::vector<std::string> found;
  for (const auto& [layer, rank] : layer_rank()) {
    if (!fs::exists(root / layer)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / layer)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const auto target = layer_rank().find(m[1].str());
        if (target != layer_rank().end() && target->second > rank)
          found.push_back(entry.path().string() + ":" + std::to_string(number) + ": " + line);
      }
    }
  }
  return found;
}

TEST(Layers, NoFileIncludesALayerListedAfterItsOwn) {
  const fs::path source(UNICT_SOURCE_DIR);
  std::size_t files = 0;
  for (const char* part : {"include/unict", "src"})
    for (const auto& entry : fs::recursive_directory_iterator(source / part)) files += entry.is_regular_file();
  ASSERT_GT(files, 100u) << "the source tree was not found at " << source;
  for (const char* part : {"include/unict", "src"})
    for (const auto& line : upward_includes(source / part)) ADD_FAILURE() << "upward include: " << line;
}

TEST(Layers, TheCheckFindsAnUpwardInclude) {
  // A planted tree: text including model, as tokenizer.h once did.
  const fs::path root = fs::temp_directory_path() / ("unict-layers-" + std::to_string(::getpid()));
  fs::create_directories(root / "text");
  std::ofstream(root / "text" / "tokenizer.h") << "#include \"unict/core/error.h\"\n#include \"unict/model/model_config.h\"\n";
  const auto found = upward_includes(root);
  fs::remove_all(root);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("unict/model/model_config.h"), std::string::npos);
}

}  // namespace

// The project's real configuration files against the declared keys.
#include "unict/experiments/config.h"

#include <gtest/gtest.h>

#include "unict/core/config_loader.h"

namespace unict::experiments {
namespace {

const std::filesystem::path kConfigs = std::filesystem::path(UNICT_SOURCE_DIR) / "configs";

TEST(BaseYaml, SetsEveryDeclaredKeyToItsDefault) {
  const auto resolved = resolve_config(kConfigs / "base.yaml");
  const auto defaults = core::ResolvedConfig(config_schema());
  for (const auto& spec : config_schema()->keys()) {
    EXPECT_NE(resolved.origin(spec.path), "default") << spec.path << " is missing from configs/base.yaml";
    // Paths are resolved when read, so compare them after the same resolution.
    core::ResolvedConfig expected = defaults;
    if (spec.type == core::ValueType::path)
      core::apply_override(expected, spec.path + "=" + std::get<std::string>(spec.default_value));
    EXPECT_EQ(resolved.get(spec.path), expected.get(spec.path)) << spec.path << " differs from its declared default";
  }
}

TEST(ShippedConfigs, EveryConfigUnderConfigsLoads) {
  int loaded = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kConfigs)) {
    if (entry.path().extension() != ".yaml" || entry.path().parent_path().filename() == "labels") continue;
    const std::string name = entry.path().filename().string();
    if (name.size() >= 10 && name.compare(name.size() - 10, 10, "suite.yaml") == 0) continue;  // ablation suites (ablation_test.cpp)
    EXPECT_NO_THROW(resolve_config(entry.path())) << entry.path();
    ++loaded;
  }
  EXPECT_GE(loaded, 2);
}

TEST(TypedConfig, CarriesResolvedValuesIntoTheLayerStructs) {
  const auto config = load_config(kConfigs / "quickstart.yaml", {"train.lr=0.0003", "run.seed=7"}).typed;
  EXPECT_EQ(config.train.lr, 0.0003);
  EXPECT_EQ(config.run.seed, 7);
  EXPECT_EQ(config.run.name, "quickstart");
  EXPECT_TRUE(config.run.output_root.is_absolute());
}

}  // namespace
}  // namespace unict::experiments

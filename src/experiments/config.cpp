#include "unict/experiments/config.h"

#include "unict/core/config_loader.h"

namespace unict::experiments {

std::shared_ptr<const core::Schema> config_schema() {
  static const std::shared_ptr<const core::Schema> schema = [] {
    auto s = std::make_shared<core::Schema>();
    core::run_section().declare_in(*s);
    data::data_section().declare_in(*s);
    data::split_section().declare_in(*s);
    data::preprocess_section().declare_in(*s);
    data::loader_section().declare_in(*s);
    train::train_section().declare_in(*s);
    train::distributed_section().declare_in(*s);
    model::declare_model_sections(*s);
    slurm_section().declare_in(*s);
    return s;
  }();
  return schema;
}

core::ResolvedConfig resolve_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  return core::load_config(config_schema(), file, overrides);
}

LoadedConfig load_config(core::ResolvedConfig resolved) {
  Config config;
  config.run = core::run_section().read(resolved);
  config.data = data::data_section().read(resolved);
  config.split = data::split_section().read(resolved);
  config.preprocess = data::preprocess_section().read(resolved);
  config.loader = data::loader_section().read(resolved);
  config.train = train::train_section().read(resolved);
  config.distributed = train::distributed_section().read(resolved);
  config.model = model::read_model_settings(resolved);
  config.slurm = slurm_section().read(resolved);
  model::validate_model_settings(config.model, resolved);
  return {std::move(resolved), std::move(config)};
}

LoadedConfig load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  return load_config(resolve_config(file, overrides));
}

}  // namespace unict::experiments

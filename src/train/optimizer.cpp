#include "unict/train/optimizer.h"

#include "unict/core/error.h"

namespace unict::train {

void ModelOptimizer::set_lr(double lr) {
  auto& groups = adamw->param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g)
    static_cast<torch::optim::AdamWOptions&>(groups[g].options()).lr(lr * lr_scale[g]);
}

ModelOptimizer make_optimizer(torch::nn::Module& model, const TrainConfig& config) {
  // Group order is fixed (it is part of the optimiser state in checkpoints).
  const std::vector<std::string> names{"encoder", "encoder_no_decay", "rest", "rest_no_decay"};
  std::vector<std::vector<at::Tensor>> params(names.size());
  for (const auto& p : model.named_parameters(/*recurse=*/true)) {
    if (!p.value().requires_grad()) continue;
    const bool encoder = p.key().rfind("encoder.", 0) == 0;
    const bool no_decay = p.value().dim() < 2;
    params[(encoder ? 0 : 2) + (no_decay ? 1 : 0)].push_back(p.value());
  }
  ModelOptimizer out;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (std::size_t g = 0; g < names.size(); ++g) {
    if (params[g].empty()) continue;
    auto options = std::make_unique<torch::optim::AdamWOptions>(config.lr);
    options->weight_decay(g % 2 == 1 ? 0.0 : config.weight_decay);
    groups.emplace_back(params[g], std::move(options));
    out.lr_scale.push_back(g < 2 ? config.encoder_lr_scale : 1.0);
    out.group_names.push_back(names[g]);
  }
  if (groups.empty()) throw internal_error("the model has no trainable parameters");
  out.adamw = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(config.lr).weight_decay(config.weight_decay));
  return out;
}

}  // namespace unict::train

#include "unict/train/optimizer.h"

#include <iterator>
#include <set>

#include "unict/core/error.h"
#include "unict/train/fused_adamw.h"

namespace unict::train {

void ModelOptimizer::set_lr(double lr) {
  auto& groups = adamw->param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g)
    static_cast<torch::optim::AdamWOptions&>(groups[g].options()).lr(lr * lr_scale[g]);
}

namespace {

// Group order is fixed: it is part of the optimiser state in checkpoints.
struct GroupKind {
  const char* name;
  bool encoder, decay;
};
constexpr GroupKind kGroupKinds[] = {
    {"encoder", true, true}, {"encoder_no_decay", true, false}, {"rest", false, true}, {"rest_no_decay", false, false}};

}  // namespace

ModelOptimizer make_optimizer(torch::nn::Module& model, const torch::nn::Module& encoder, const TrainConfig& config) {
  // The encoder's parameters by identity, not by name: the optimiser need not know how the model
  // names its parts.
  std::set<const void*> in_encoder;
  for (const auto& p : encoder.parameters(/*recurse=*/true)) in_encoder.insert(p.unsafeGetTensorImpl());
  constexpr std::size_t kinds = std::size(kGroupKinds);
  std::vector<std::vector<at::Tensor>> params(kinds);
  for (const auto& p : model.parameters(/*recurse=*/true)) {
    if (!p.requires_grad()) continue;
    const bool is_encoder = in_encoder.count(p.unsafeGetTensorImpl()) > 0;
    const bool decays = p.dim() >= 2;  // biases and normalisation weights never decay
    for (std::size_t g = 0; g < kinds; ++g)
      if (kGroupKinds[g].encoder == is_encoder && kGroupKinds[g].decay == decays) params[g].push_back(p);
  }
  ModelOptimizer out;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (std::size_t g = 0; g < kinds; ++g) {
    if (params[g].empty()) continue;
    auto options = std::make_unique<torch::optim::AdamWOptions>(config.lr);
    options->weight_decay(kGroupKinds[g].decay ? config.weight_decay : 0.0);
    groups.emplace_back(params[g], std::move(options));
    out.lr_scale.push_back(kGroupKinds[g].encoder ? config.encoder_lr_scale : 1.0);
    out.group_names.push_back(kGroupKinds[g].name);
  }
  if (groups.empty()) throw internal_error("the model has no trainable parameters");
  out.adamw = std::make_unique<FusedAdamW>(groups, torch::optim::AdamWOptions(config.lr).weight_decay(config.weight_decay));
  return out;
}

at::Tensor gradient_norm(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> norms;
  for (const auto& p : parameters)
    if (p.grad().defined()) norms.push_back(p.grad().detach().to(torch::kFloat32).norm());
  return norms.empty() ? torch::zeros({}, torch::kFloat32) : torch::stack(norms).norm();
}

void clip_gradients(const std::vector<at::Tensor>& parameters, const at::Tensor& norm, double max_norm) {
  if (max_norm <= 0) return;
  const at::Tensor scale = (max_norm / (norm + 1e-6)).clamp_max(1.0);
  for (const auto& p : parameters)
    if (p.grad().defined()) p.grad().mul_(scale.to(p.grad().dtype()));
}

}  // namespace unict::train

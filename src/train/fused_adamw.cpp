#include "unict/train/fused_adamw.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <initializer_list>
#include <vector>

#include "unict/core/compat.h"

namespace unict::train {
namespace {

bool is_float_cpu(const torch::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous() && !t.is_sparse();
}

void bump_versions(std::initializer_list<const torch::Tensor*> tensors) {  // as LibTorch's in-place ops do
  for (const auto* t : tensors) t->unsafeGetTensorImpl()->bump_version();
}

// The AdamW update of n values, as LibTorch's ops compute it: p *= 1 - lr wd; m = b1 m + (1 - b1) g;
// v = b2 v + (1 - b2) g^2; p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
struct Coefficients {
  float decay, beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bias_correction2, eps, step_size;
};

void update(float* p, const float* g, float* m, float* v, std::int64_t n, const Coefficients& c) {
  at::parallel_for(0, n, 16384, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) {
      const float gi = g[i];
      const float mi = m[i] * c.beta1 + c.one_minus_beta1 * gi;
      const float vi = v[i] * c.beta2 + c.one_minus_beta2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * c.decay - c.step_size * (mi / (std::sqrt(vi) / c.sqrt_bias_correction2 + c.eps));
    }
  });
}

}  // namespace

torch::Tensor FusedAdamW::step(LossClosure closure) {
  // Every parameter's state key once (in 1.13 a printed address), and whether the loop takes
  // them all; if one does not, LibTorch's step takes everything.
  using Key = decltype(compat::optimizer_state_key(static_cast<c10::TensorImpl*>(nullptr)));
  std::vector<Key> keys;
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad()) return AdamW::step(std::move(closure));
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      keys.push_back(compat::optimizer_state_key(p.unsafeGetTensorImpl()));
      bool loop = is_float_cpu(p) && is_float_cpu(p.grad());
      if (const auto found = state_.find(keys.back()); found != state_.end()) {
        const auto& state = static_cast<const torch::optim::AdamWParamState&>(*found->second);
        loop = loop && is_float_cpu(state.exp_avg()) && is_float_cpu(state.exp_avg_sq());
      }
      if (!loop) return AdamW::step(std::move(closure));
    }
  }
  torch::NoGradGuard no_grad;
  torch::Tensor loss = {};
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  auto key = keys.begin();
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double lr = options.lr(), beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state_[*key++];  // LibTorch's key: checkpoints stay as they were
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      state.step(state.step() + 1);
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(state.step()));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(state.step()));
      const Coefficients c{static_cast<float>(1 - lr * options.weight_decay()), static_cast<float>(beta1), static_cast<float>(1 - beta1),
                           static_cast<float>(beta2),  static_cast<float>(1 - beta2),   static_cast<float>(std::sqrt(bias_correction2)),
                           static_cast<float>(options.eps()), static_cast<float>(lr / bias_correction1)};
      update(p.data_ptr<float>(), p.grad().data_ptr<float>(), state.exp_avg().data_ptr<float>(), state.exp_avg_sq().data_ptr<float>(),
             p.numel(), c);
      bump_versions({&p, &state.exp_avg(), &state.exp_avg_sq()});
    }
  }
  return loss;
}

}  // namespace unict::train

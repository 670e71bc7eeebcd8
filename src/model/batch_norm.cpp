#include "unict/model/batch_norm.h"

#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/model/batch_statistics.h"

namespace unict::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

const SumOverRanks& sum_over_ranks() {
  const SumOverRanks* sum = GlobalBatchStatistics::active();
  if (!sum) throw internal_error("a synchronised BatchNorm ran without GlobalBatchStatistics");
  return *sum;
}

// Every axis but the channels'; the shape that broadcasts a per-channel vector over x.
std::vector<std::int64_t> reduced_axes(const at::Tensor& x) {
  std::vector<std::int64_t> axes{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) axes.push_back(d);
  return axes;
}
std::vector<std::int64_t> channel_shape(const at::Tensor& x) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[1] = x.size(1);
  return shape;
}

// Batch normalisation over the global batch. Forward: the mean from summed per-channel sums and
// counts, then the variance from summed squared deviations from it (two passes, as precise as one
// process's). Backward: x's gradient needs the global sums of dy and dy * x_hat; the weight's and
// bias's gradients are this rank's share, which the gradient all-reduce adds up like any other.
struct SyncedBatchNorm : torch::autograd::Function<SyncedBatchNorm> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            at::Tensor running_mean, at::Tensor running_var, double momentum, double eps) {
    const auto& sum = sum_over_ranks();
    const auto axes = reduced_axes(x);
    const auto shape = channel_shape(x);
    const std::int64_t channels = x.size(1);
    const auto xf = x.to(torch::kFloat32);
    // 1, or 0 for a placeholder batch that must take part in the sums without adding to them.
    const double share = GlobalBatchStatistics::contributing() ? 1.0 : 0.0;

    auto sums = torch::cat({xf.sum(axes), torch::full({1}, static_cast<double>(x.numel() / channels), xf.options())}) * share;
    sum(sums);
    const auto count = sums.narrow(0, channels, 1);
    const auto mean = sums.narrow(0, 0, channels) / count;
    const auto centred = xf - mean.view(shape);
    auto squares = centred.square().sum(axes) * share;
    sum(squares);
    const auto var = squares / count;
    const auto invstd = (var + eps).rsqrt();
    const auto x_hat = centred * invstd.view(shape);

    running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype()) * momentum);
    running_var.mul_(1 - momentum).add_((var * count / (count - 1)).to(running_var.dtype()) * momentum);  // unbiased, as ATen's

    ctx->save_for_backward({x_hat, invstd, weight, count});
    return (x_hat * weight.view(shape) + bias.view(shape)).to(x.scalar_type());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x_hat = saved[0], &invstd = saved[1], &weight = saved[2], &count = saved[3];
    const auto dy = grads[0].to(torch::kFloat32);
    const auto axes = reduced_axes(x_hat);
    const auto shape = channel_shape(x_hat);
    const std::int64_t channels = x_hat.size(1);

    const auto d_bias = dy.sum(axes);
    const auto d_weight = (dy * x_hat).sum(axes);
    const double share = GlobalBatchStatistics::contributing() ? 1.0 : 0.0;
    auto global = torch::cat({d_bias, d_weight}) * share;
    sum_over_ranks()(global);
    const auto mean_dy = global.narrow(0, 0, channels) / count;
    const auto mean_dy_x_hat = global.narrow(0, channels, channels) / count;
    // A placeholder's input is in no statistic, so nothing depends on it: its gradient is 0, not
    // the global terms (which would carry the other ranks' gradients into its own graph).
    const auto dx = (dy - mean_dy.view(shape) - x_hat * mean_dy_x_hat.view(shape)) * (weight * invstd * share).view(shape);
    return {dx.to(grads[0].scalar_type()), d_weight.to(weight.scalar_type()), d_bias.to(weight.scalar_type()), {}, {}, {}, {}};
  }
};

}  // namespace

BatchNormImpl::BatchNormImpl(std::int64_t channels, double eps, double momentum) : eps_(eps), momentum_(momentum) {
  weight_ = register_parameter("weight", torch::ones({channels}));
  bias_ = register_parameter("bias", torch::zeros({channels}));
  running_mean_ = register_buffer("running_mean", torch::zeros({channels}));
  running_var_ = register_buffer("running_var", torch::ones({channels}));
  num_batches_tracked_ = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

at::Tensor BatchNormImpl::forward(const at::Tensor& x) {
  if (is_training()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked_ += 1;
  }
  if (is_training() && GlobalBatchStatistics::active()) return synced_forward(x);
  // LibTorch's BatchNorm{2,3}d::forward with a fixed momentum, call for call.
  return torch::batch_norm(x, weight_, bias_, running_mean_, running_var_, is_training(), momentum_, eps_,
                           at::globalContext().userEnabledCuDNN());
}

at::Tensor BatchNormImpl::synced_forward(const at::Tensor& x) {
  return SyncedBatchNorm::apply(x, weight_, bias_, running_mean_, running_var_, momentum_, eps_);
}

}  // namespace unict::model

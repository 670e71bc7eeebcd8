// BatchNorm for 2-D and 3-D maps ([N, C, ...]) whose training statistics span the global batch of
// a distributed update when GlobalBatchStatistics is active (a SyncBatchNorm), and otherwise
// compute exactly what LibTorch's BatchNorm2d / BatchNorm3d compute (the same ATen call). Its
// parameters and buffers carry LibTorch's names (weight, bias, running_mean, running_var,
// num_batches_tracked), so checkpoints, torchvision's weights and the PyTorch reference read it as
// a BatchNorm.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace unict::model {

class BatchNormImpl : public torch::nn::Module {
 public:
  explicit BatchNormImpl(std::int64_t channels, double eps = 1e-5, double momentum = 0.1);

  at::Tensor forward(const at::Tensor& x);

  const at::Tensor& weight() const { return weight_; }
  const at::Tensor& bias() const { return bias_; }
  const at::Tensor& running_mean() const { return running_mean_; }
  const at::Tensor& running_var() const { return running_var_; }

 private:
  at::Tensor synced_forward(const at::Tensor& x);

  double eps_, momentum_;
  at::Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};
TORCH_MODULE(BatchNorm);

}  // namespace unict::model

// AdamW with four parameter groups: the encoder and the rest of the model (the encoder may learn
// at a different rate), each split into parameters that get weight decay and those that never do
// (biases and normalisation weights: every parameter with fewer than two dimensions).
#pragma once

#include <memory>
#include <vector>

#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include "unict/train/train_config.h"

namespace unict::train {

struct ModelOptimizer {
  std::unique_ptr<torch::optim::AdamW> adamw;
  std::vector<double> lr_scale;  // per parameter group: multiplies the schedule's learning rate
  std::vector<std::string> group_names;
  // Sets every group's learning rate to lr * its scale.
  void set_lr(double lr);
};

// The parameters of `encoder` (a submodule of `model`) form the encoder groups.
ModelOptimizer make_optimizer(torch::nn::Module& model, const torch::nn::Module& encoder, const TrainConfig& config);

// The L2 norm of all defined gradients, as one float32 tensor on their device (no host read: the
// trainer reads it once, with the loss, to skip non-finite updates).
at::Tensor gradient_norm(const std::vector<at::Tensor>& parameters);

// Scales every gradient by min(1, max_norm / (norm + 1e-6)): the rule of PyTorch's
// clip_grad_norm_. Nothing happens when max_norm <= 0.
void clip_gradients(const std::vector<at::Tensor>& parameters, const at::Tensor& norm, double max_norm);

}  // namespace unict::train

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

}  // namespace unict::train

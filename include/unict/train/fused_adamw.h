// AdamW whose step is one loop per parameter on the CPU. LibTorch 1.13's AdamW::step runs eight
// tensor ops per parameter (decay, the two moments, the square root, bias corrections, the
// division and the update), each a dispatch and a pass over the parameter: with the quick start's
// 229 small tensors that was 6 ms of a 105 ms update (docs/benchmarks.md). The state is
// LibTorch's own (AdamWParamState under LibTorch's keys), so checkpoints and --resume are
// unchanged, and the arithmetic is AdamW's. Parameters that are not float32 CPU tensors (CUDA,
// bf16), and amsgrad, take LibTorch's step.
#pragma once

#include <torch/optim/adamw.h>

namespace unict::train {

class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace unict::train

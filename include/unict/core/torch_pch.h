// The precompiled header shared by every target that includes LibTorch (see UnictTorch.cmake).
#pragma once
#include <torch/torch.h>

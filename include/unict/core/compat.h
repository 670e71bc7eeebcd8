// Differences between the LibTorch versions UniCT builds against: Debian's 1.13 (CPU; development,
// tests, CI) and a 2.x with CUDA (GPU machines). Code uses these names instead of testing versions
// itself. Grows as later layers need more (autocast, scaled_dot_product_attention, c10d).
#pragma once

#include <torch/version.h>

namespace unict::compat {

inline constexpr int kTorchMajor = TORCH_VERSION_MAJOR;
inline constexpr int kTorchMinor = TORCH_VERSION_MINOR;
inline constexpr const char* kTorchVersion = TORCH_VERSION;
inline constexpr bool kTorch2 = TORCH_VERSION_MAJOR >= 2;

}  // namespace unict::compat

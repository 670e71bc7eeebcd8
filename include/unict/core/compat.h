// Differences between the LibTorch versions UniCT builds against: Debian's 1.13 (CPU; development,
// tests, CI) and a 2.x with CUDA (GPU machines). Code uses these names instead of testing versions
// itself. Grows as later layers need more (autocast, scaled_dot_product_attention, c10d).
#pragma once

#include <sstream>
#include <string>

#include <torch/version.h>

namespace c10d {
class Backend;
class ProcessGroup;
}  // namespace c10d

namespace unict::compat {

inline constexpr int kTorchMajor = TORCH_VERSION_MAJOR;
inline constexpr int kTorchMinor = TORCH_VERSION_MINOR;
inline constexpr const char* kTorchVersion = TORCH_VERSION;
inline constexpr bool kTorch2 = TORCH_VERSION_MAJOR >= 2;

// The key under which torch::optim::Optimizer keeps a parameter's state, from the parameter's
// TensorImpl*: the address printed as a string in 1.13, the pointer itself in 2.x.
template <class TensorImplPointer>
auto optimizer_state_key(TensorImplPointer impl) {
#if TORCH_VERSION_MAJOR >= 2
  return static_cast<void*>(impl);
#else
  std::ostringstream out;  // what 1.13's optimisers use: c10::guts::to_string of the pointer
  out << impl;
  return out.str();
#endif
}

// The c10d class that ProcessGroupGloo and ProcessGroupNCCL derive from, whose allreduce the
// trainer calls: ProcessGroup in 1.13, Backend (under a ProcessGroup that dispatches) in 2.x.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = ::c10d::Backend;
#else
using CollectiveBackend = ::c10d::ProcessGroup;
#endif

}  // namespace unict::compat

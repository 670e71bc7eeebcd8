// bf16 autocast on CUDA across LibTorch versions: 2.4 and later name the device
// (set_autocast_enabled(kCUDA, ...)); 1.13 has the CUDA-only set_enabled / set_autocast_gpu_dtype,
// deprecated since. A scope object so that an exception never leaves autocast switched on.
#pragma once

#include <ATen/autocast_mode.h>

#include "unict/core/compat.h"

namespace unict::compat {

inline void set_cuda_autocast(bool enabled, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

// Autocast to `dtype` on CUDA while alive, when `enabled`.
class CudaAutocast {
 public:
  CudaAutocast(bool enabled, at::ScalarType dtype) : enabled_(enabled) {
    if (enabled_) set_cuda_autocast(true, dtype);
  }
  ~CudaAutocast() {
    if (!enabled_) return;
    set_cuda_autocast(false, at::kFloat);
    at::autocast::clear_cache();
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  bool enabled_;
};

}  // namespace unict::compat

// The devices (and dtypes) device-parameterised tests run on: the CPU in float32 everywhere, and
// where LibTorch sees CUDA also the GPU in strict float32 (no TF32) and under bf16 autocast. Each
// case carries the tolerance its arithmetic can promise against the CPU float32 reference, as a
// relative error at the output's scale: |a - b| <= tolerance * max(1, max |b|).
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/torch.h>

namespace unict::test {

struct DeviceCase {
  std::string name;  // the test-name suffix: cpu_float32, cuda_float32, cuda_bfloat16
  torch::Device device;
  at::ScalarType compute_dtype;  // kFloat, or kBFloat16 for CUDA autocast
  double tolerance;
  bool autocast() const { return compute_dtype != at::kFloat; }
};

inline void PrintTo(const DeviceCase& c, std::ostream* os) { *os << c.name; }

inline std::vector<DeviceCase> test_devices() {
  // float32: the CPU reference summed in another order, a few hundred ulps at the tiny model's
  // depth; bf16 keeps 8 bits of mantissa, about 4e-3 per rounding, compounded over the layers.
  std::vector<DeviceCase> cases{{"cpu_float32", torch::Device(torch::kCPU), at::kFloat, 1e-5}};
  if (torch::cuda::is_available()) {
    at::globalContext().setAllowTF32CuDNN(false);  // strict float32 on the GPU
    at::globalContext().setAllowTF32CuBLAS(false);
    cases.push_back({"cuda_float32", torch::Device(torch::kCUDA, 0), at::kFloat, 1e-4});
    cases.push_back({"cuda_bfloat16", torch::Device(torch::kCUDA, 0), at::kBFloat16, 5e-2});
  }
  return cases;
}

// The cases that compute in float32 (code that autocast does not cover: decoding, losses, the
// optimiser's update).
inline std::vector<DeviceCase> float32_test_devices() {
  auto cases = test_devices();
  cases.erase(std::remove_if(cases.begin(), cases.end(), [](const DeviceCase& c) { return c.autocast(); }), cases.end());
  return cases;
}

inline std::string device_case_name(const ::testing::TestParamInfo<DeviceCase>& info) { return info.param.name; }

// Max |a - b| within the case's tolerance at b's scale (b: the CPU float32 reference).
inline ::testing::AssertionResult close_at_scale(const at::Tensor& a, const at::Tensor& b, double tolerance) {
  const auto x = a.to(torch::kCPU, torch::kFloat64), y = b.to(torch::kCPU, torch::kFloat64);
  if (x.sizes() != y.sizes()) return ::testing::AssertionFailure() << "shapes differ";
  const double diff = (x - y).abs().max().item<double>(), scale = std::max(1.0, y.abs().max().item<double>());
  if (diff <= tolerance * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |diff| " << diff << " > " << tolerance << " x " << scale;
}

}  // namespace unict::test

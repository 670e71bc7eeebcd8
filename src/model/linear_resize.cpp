#include "unict/model/linear_resize.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/functional/upsampling.h>

#include <algorithm>

namespace unict::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Output index j of an axis of `in` -> `out` samples reads i0[j] and i1[j] with weights w0[j],
// w1[j]: PyTorch's rule for align_corners=false, source = (j + 0.5) in/out - 0.5, at least 0.
struct AxisTaps {
  std::vector<std::int64_t> i0, i1;
  std::vector<float> w0, w1;
};

AxisTaps taps(std::int64_t in, std::int64_t out) {
  AxisTaps t;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (std::int64_t j = 0; j < out; ++j) {
    const float source = std::max(scale * (static_cast<float>(j) + 0.5f) - 0.5f, 0.0f);
    const auto i0 = std::min(static_cast<std::int64_t>(source), in - 1);
    const float lambda = i0 < in - 1 ? source - static_cast<float>(i0) : 0.0f;
    t.i0.push_back(i0);
    t.i1.push_back(std::min(i0 + 1, in - 1));
    t.w0.push_back(1 - lambda);
    t.w1.push_back(lambda);
  }
  return t;
}

// x viewed as [outer, n, inner] (n the size of axis `axis`); the result [outer, size, inner].
at::Tensor resize_axis(const at::Tensor& x, std::int64_t axis, std::int64_t size) {
  const std::int64_t n = x.size(axis);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  for (std::int64_t d = axis + 1; d < x.dim(); ++d) inner *= x.size(d);
  auto shape = x.sizes().vec();
  shape[static_cast<std::size_t>(axis)] = size;
  auto y = torch::empty(shape, x.options());
  const AxisTaps t = taps(n, size);
  const float* in = x.data_ptr<float>();
  float* out = y.data_ptr<float>();
  at::parallel_for(0, outer, std::max<std::int64_t>(1, 32768 / (size * inner)), [&](std::int64_t first, std::int64_t last) {
    if (inner == 1) {  // the last axis: a gather along the row
      for (std::int64_t o = first; o < last; ++o) {
        const float* row = in + o * n;
        float* r = out + o * size;
        for (std::int64_t j = 0; j < size; ++j) r[j] = t.w0[j] * row[t.i0[j]] + t.w1[j] * row[t.i1[j]];
      }
      return;
    }
    for (std::int64_t o = first; o < last; ++o)
      for (std::int64_t j = 0; j < size; ++j) {
        const float *a = in + (o * n + t.i0[j]) * inner, *b = in + (o * n + t.i1[j]) * inner;
        float* r = out + (o * size + j) * inner;
        const float w0 = t.w0[j], w1 = t.w1[j];
        for (std::int64_t i = 0; i < inner; ++i) r[i] = w0 * a[i] + w1 * b[i];
      }
  });
  return y;
}

// The transpose of resize_axis: g [outer, size, inner] back to [outer, n, inner].
at::Tensor resize_axis_backward(const at::Tensor& g, std::int64_t axis, std::int64_t n) {
  const std::int64_t size = g.size(axis);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= g.size(d);
  for (std::int64_t d = axis + 1; d < g.dim(); ++d) inner *= g.size(d);
  auto shape = g.sizes().vec();
  shape[static_cast<std::size_t>(axis)] = n;
  auto x = torch::zeros(shape, g.options());
  const AxisTaps t = taps(n, size);
  const float* in = g.data_ptr<float>();
  float* out = x.data_ptr<float>();
  // Each row o is one task, its outputs summed in the order of j: the same at any thread count.
  at::parallel_for(0, outer, std::max<std::int64_t>(1, 32768 / (size * inner)), [&](std::int64_t first, std::int64_t last) {
    if (inner == 1) {
      for (std::int64_t o = first; o < last; ++o) {
        const float* r = in + o * size;
        float* row = out + o * n;
        for (std::int64_t j = 0; j < size; ++j) {
          row[t.i0[j]] += t.w0[j] * r[j];
          row[t.i1[j]] += t.w1[j] * r[j];
        }
      }
      return;
    }
    for (std::int64_t o = first; o < last; ++o)
      for (std::int64_t j = 0; j < size; ++j) {
        const float* r = in + (o * size + j) * inner;
        float *a = out + (o * n + t.i0[j]) * inner, *b = out + (o * n + t.i1[j]) * inner;
        const float w0 = t.w0[j], w1 = t.w1[j];
        for (std::int64_t i = 0; i < inner; ++i) a[i] += w0 * r[i];
        for (std::int64_t i = 0; i < inner; ++i) b[i] += w1 * r[i];
      }
  });
  return x;
}

// Axes x, y, z in that order forward (the first passes work on the most rows before z grows the
// tensor), their transposes in reverse order backward.
class TrilinearResizeFunction : public torch::autograd::Function<TrilinearResizeFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, std::vector<std::int64_t> size_zyx) {
    ctx->saved_data["input_size"] = x.sizes().vec();
    auto y = x.contiguous();
    for (std::int64_t axis = 4; axis >= 2; --axis)
      if (y.size(axis) != size_zyx[static_cast<std::size_t>(axis - 2)]) y = resize_axis(y, axis, size_zyx[static_cast<std::size_t>(axis - 2)]);
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto input_size = ctx->saved_data["input_size"].toIntVector();
    auto g = grad_outputs[0].contiguous();
    for (std::int64_t axis = 2; axis <= 4; ++axis)
      if (g.size(axis) != input_size[static_cast<std::size_t>(axis)]) g = resize_axis_backward(g, axis, input_size[static_cast<std::size_t>(axis)]);
    return {g, at::Tensor()};
  }
};

}  // namespace

at::Tensor trilinear_resize(const at::Tensor& x, const std::vector<std::int64_t>& size_zyx) {
  if (x.sizes().slice(2).vec() == size_zyx) return x;
  if (x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 5 && size_zyx.size() == 3)
    return TrilinearResizeFunction::apply(x, size_zyx);
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions().size(size_zyx).mode(torch::kTrilinear).align_corners(false));
}

}  // namespace unict::model

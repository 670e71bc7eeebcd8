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

// One axis of a tensor viewed as [outer, length, inner], resized from `from` to `to` samples.
struct AxisPass {
  std::int64_t outer = 1, inner = 1, from = 0, to = 0;
  AxisTaps taps;
  // Rows per parallel task: about 32 K output values.
  std::int64_t grain() const { return std::max<std::int64_t>(1, 32768 / (to * inner)); }
};

AxisPass axis_pass(const at::Tensor& t, std::int64_t axis, std::int64_t from, std::int64_t to) {
  AxisPass pass;
  for (std::int64_t d = 0; d < axis; ++d) pass.outer *= t.size(d);
  for (std::int64_t d = axis + 1; d < t.dim(); ++d) pass.inner *= t.size(d);
  pass.from = from;
  pass.to = to;
  pass.taps = taps(from, to);
  return pass;
}

std::vector<std::int64_t> with_axis_size(const at::Tensor& t, std::int64_t axis, std::int64_t size) {
  auto shape = t.sizes().vec();
  shape[static_cast<std::size_t>(axis)] = size;
  return shape;
}

// x [outer, from, inner] -> [outer, to, inner].
at::Tensor resize_axis(const at::Tensor& x, std::int64_t axis, std::int64_t size) {
  const AxisPass p = axis_pass(x, axis, x.size(axis), size);
  auto y = torch::empty(with_axis_size(x, axis, size), x.options());
  const float* in = x.data_ptr<float>();
  float* out = y.data_ptr<float>();
  const AxisTaps& t = p.taps;
  at::parallel_for(0, p.outer, p.grain(), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t o = first; o < last; ++o) {
      const float* rows = in + o * p.from * p.inner;
      float* result = out + o * p.to * p.inner;
      if (p.inner == 1) {  // the last axis: a gather along the row
        for (std::int64_t j = 0; j < p.to; ++j) result[j] = t.w0[j] * rows[t.i0[j]] + t.w1[j] * rows[t.i1[j]];
        continue;
      }
      for (std::int64_t j = 0; j < p.to; ++j) {
        const float *a = rows + t.i0[j] * p.inner, *b = rows + t.i1[j] * p.inner;
        float* r = result + j * p.inner;
        const float w0 = t.w0[j], w1 = t.w1[j];  // locals: the stores through r cannot alias them
        for (std::int64_t i = 0; i < p.inner; ++i) r[i] = w0 * a[i] + w1 * b[i];
      }
    }
  });
  return y;
}

// The transpose of resize_axis: g [outer, to, inner] back to [outer, from, inner]. Each row o is
// one task, its outputs summed in the order of j: the same at any thread count.
at::Tensor resize_axis_backward(const at::Tensor& g, std::int64_t axis, std::int64_t n) {
  const AxisPass p = axis_pass(g, axis, n, g.size(axis));
  auto x = torch::zeros(with_axis_size(g, axis, n), g.options());
  const float* in = g.data_ptr<float>();
  float* out = x.data_ptr<float>();
  const AxisTaps& t = p.taps;
  at::parallel_for(0, p.outer, p.grain(), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t o = first; o < last; ++o) {
      const float* grads = in + o * p.to * p.inner;
      float* rows = out + o * p.from * p.inner;
      if (p.inner == 1) {
        for (std::int64_t j = 0; j < p.to; ++j) {
          rows[t.i0[j]] += t.w0[j] * grads[j];
          rows[t.i1[j]] += t.w1[j] * grads[j];
        }
        continue;
      }
      for (std::int64_t j = 0; j < p.to; ++j) {
        const float* r = grads + j * p.inner;
        float *a = rows + t.i0[j] * p.inner, *b = rows + t.i1[j] * p.inner;
        const float w0 = t.w0[j], w1 = t.w1[j];
        for (std::int64_t i = 0; i < p.inner; ++i) a[i] += w0 * r[i];
        for (std::int64_t i = 0; i < p.inner; ++i) b[i] += w1 * r[i];
      }
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

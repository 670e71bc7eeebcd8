#include "unict/model/segmentation_loss.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/functional/activation.h>

#include <algorithm>
#include <vector>

namespace unict::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Voxels per chunk: the unit of the parallel loops and of the partial sums. Fixed, so that the
// order of every sum is the same at any number of threads.
constexpr std::int64_t kChunk = 4096;
// Independent float accumulators within a chunk: a loop the compiler vectorises, in a fixed order.
constexpr std::int64_t kLanes = 16;

struct Layout {
  std::int64_t volumes, classes, voxels, chunks;  // chunks per volume
  std::int64_t chunk_begin(std::int64_t k) const { return k * kChunk; }
  std::int64_t chunk_size(std::int64_t k) const { return std::min(kChunk, voxels - k * kChunk); }
};

Layout layout_of(const at::Tensor& t) {
  Layout l{t.size(0), t.size(1), t.numel() / (t.size(0) * t.size(1)), 0};
  l.chunks = (l.voxels + kChunk - 1) / kChunk;
  return l;
}

template <class Term>
double lane_sum(std::int64_t n, const Term& term) {
  float lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] += term(i + l);
  double total = 0;
  for (float lane : lanes) total += lane;
  for (; i < n; ++i) total += term(i);
  return total;
}

// The largest mask value over the classes at each voxel of chunk k of volume b: where another
// class's lesion lies, for the hard-negative weight of segmentation_bce.
void lesion_max_of_chunk(const float* masks, const Layout& l, std::int64_t b, std::int64_t k, float* out) {
  const std::int64_t begin = l.chunk_begin(k), n = l.chunk_size(k);
  const float* first = masks + b * l.classes * l.voxels + begin;
  std::copy(first, first + n, out);
  for (std::int64_t c = 1; c < l.classes; ++c) {
    const float* g = first + c * l.voxels;
    for (std::int64_t i = 0; i < n; ++i) out[i] = std::max(out[i], g[i]);
  }
}

// The BCE weights of segmentation_bce: pos_weight on a class's lesion, 1 + (other_lesion_weight
// - 1) * max(lesion_max - g, 0) elsewhere.
struct BceWeights {
  BceWeights(double pos_weight, double other_lesion_weight)
      : pos(static_cast<float>(pos_weight)), other_minus_one(static_cast<float>(other_lesion_weight - 1)), hard_negatives(other_lesion_weight != 1) {}
  float negative(float g, float lesion_max) const { return 1 + other_minus_one * std::max(lesion_max - g, 0.0f); }
  float pos, other_minus_one;
  bool hard_negatives;
};

class SegmentationLossFunction : public torch::autograd::Function<SegmentationLossFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logits_in, const at::Tensor& masks_in, double pos_weight,
                            double other_lesion_weight, double dice_weight, double dice_pairs, double bce_elements) {
    const auto logits = logits_in.contiguous(), masks = masks_in.contiguous();
    const auto probabilities = torch::sigmoid(logits);
    const auto softplus = torch::nn::functional::softplus(logits);  // -log(1 - s(x)); -log s(x) = softplus - x
    const Layout l = layout_of(logits);
    const BceWeights w(pos_weight, other_lesion_weight);
    const auto lesion_max = w.hard_negatives ? torch::empty({l.volumes, l.voxels}, logits.options()) : torch::empty({0}, logits.options());

    // Per (volume, chunk, class): sum p g, sum p, sum g and the BCE sum.
    std::vector<double> partial(static_cast<std::size_t>(l.volumes * l.chunks * l.classes * 4));
    const float *x = logits.data_ptr<float>(), *g_all = masks.data_ptr<float>(), *p_all = probabilities.data_ptr<float>(),
                *sp_all = softplus.data_ptr<float>();
    float* max_all = lesion_max.data_ptr<float>();
    at::parallel_for(0, l.volumes * l.chunks, 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t task = first; task < last; ++task) {
        const std::int64_t b = task / l.chunks, k = task % l.chunks, n = l.chunk_size(k);
        float* m = w.hard_negatives ? max_all + b * l.voxels + l.chunk_begin(k) : nullptr;
        if (m != nullptr) lesion_max_of_chunk(g_all, l, b, k, m);
        for (std::int64_t c = 0; c < l.classes; ++c) {
          const std::int64_t at = (b * l.classes + c) * l.voxels + l.chunk_begin(k);
          const float *xi = x + at, *g = g_all + at, *p = p_all + at, *sp = sp_all + at;
          double* out = &partial[static_cast<std::size_t>((task * l.classes + c) * 4)];
          out[0] = lane_sum(n, [&](std::int64_t i) { return p[i] * g[i]; });
          out[1] = lane_sum(n, [&](std::int64_t i) { return p[i]; });
          out[2] = lane_sum(n, [&](std::int64_t i) { return g[i]; });
          if (m != nullptr)
            out[3] = lane_sum(n, [&](std::int64_t i) { return w.pos * g[i] * (sp[i] - xi[i]) + (1 - g[i]) * w.negative(g[i], m[i]) * sp[i]; });
          else
            out[3] = lane_sum(n, [&](std::int64_t i) { return w.pos * g[i] * (sp[i] - xi[i]) + (1 - g[i]) * sp[i]; });
        }
      }
    });

    // The chunks' sums in order; then the Dice of each (volume, class) pair with a lesion.
    std::vector<double> overlap(l.volumes * l.classes), probability(overlap.size()), target(overlap.size());
    double bce_sum = 0;
    for (std::int64_t b = 0; b < l.volumes; ++b)
      for (std::int64_t k = 0; k < l.chunks; ++k)
        for (std::int64_t c = 0; c < l.classes; ++c) {
          const double* in = &partial[static_cast<std::size_t>(((b * l.chunks + k) * l.classes + c) * 4)];
          const auto pair = static_cast<std::size_t>(b * l.classes + c);
          overlap[pair] += in[0];
          probability[pair] += in[1];
          target[pair] += in[2];
          bce_sum += in[3];
        }
    double dice_sum = 0, present = 0;
    for (std::size_t pair = 0; pair < overlap.size(); ++pair)
      if (target[pair] > 0) {
        dice_sum += 1 - (2 * overlap[pair] + 1) / (probability[pair] + target[pair] + 1);
        ++present;
      }
    // The means' denominators: this batch's, or the global batch's of a distributed update.
    const double pairs = dice_pairs > 0 ? dice_pairs : std::max(present, 1.0);
    const double elements = bce_elements > 0 ? bce_elements : static_cast<double>(logits.numel());
    const double loss = dice_weight * dice_sum / pairs + (1 - dice_weight) * bce_sum / elements;

    // d loss / d p of pair (b, c) is a - b' g: a = c (2 O + 1) / (T + 1)^2, b' = c 2 / (T + 1),
    // with c = dice_weight / pairs and T = sum p + sum g; 0 for pairs without.
    auto dice_gradient = torch::zeros({l.volumes * l.classes, 2}, torch::kFloat32);
    auto* d = dice_gradient.data_ptr<float>();
    for (std::size_t pair = 0; pair < overlap.size(); ++pair)
      if (target[pair] > 0) {
        const double t1 = probability[pair] + target[pair] + 1, scale = dice_weight / pairs;
        d[2 * pair] = static_cast<float>(scale * (2 * overlap[pair] + 1) / (t1 * t1));
        d[2 * pair + 1] = static_cast<float>(scale * 2 / t1);
      }
    ctx->save_for_backward({probabilities, masks, lesion_max, dice_gradient});
    ctx->saved_data["pos_weight"] = pos_weight;
    ctx->saved_data["other_lesion_weight"] = other_lesion_weight;
    ctx->saved_data["bce_scale"] = (1 - dice_weight) / elements;
    return torch::full({}, loss, logits.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &probabilities = saved[0], &masks = saved[1], &lesion_max = saved[2], &dice_gradient = saved[3];
    const BceWeights w(ctx->saved_data["pos_weight"].toDouble(), ctx->saved_data["other_lesion_weight"].toDouble());
    const double upstream = grad_outputs[0].item<double>();  // a CPU scalar: no device sync
    // The BCE term's factor: its weight (1 - dice_weight) over the element count its mean divides
    // by, both saved in forward, times the upstream gradient.
    const auto bce_scale = static_cast<float>(upstream * ctx->saved_data["bce_scale"].toDouble());
    const auto dice_scale = static_cast<float>(upstream);
    const Layout l = layout_of(probabilities);
    auto grad = torch::empty_like(probabilities);
    const float *p_all = probabilities.data_ptr<float>(), *g_all = masks.data_ptr<float>(), *d = dice_gradient.data_ptr<float>();
    const float* max_all = lesion_max.data_ptr<float>();
    float* out_all = grad.data_ptr<float>();
    at::parallel_for(0, l.volumes * l.chunks, 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t task = first; task < last; ++task) {
        const std::int64_t b = task / l.chunks, k = task % l.chunks, n = l.chunk_size(k);
        const float* m = w.hard_negatives ? max_all + b * l.voxels + l.chunk_begin(k) : nullptr;
        for (std::int64_t c = 0; c < l.classes; ++c) {
          const std::int64_t at = (b * l.classes + c) * l.voxels + l.chunk_begin(k);
          const float *p = p_all + at, *g = g_all + at;
          float* out = out_all + at;
          const float a = dice_scale * d[2 * (b * l.classes + c)], slope = dice_scale * d[2 * (b * l.classes + c) + 1];
          // d BCE / dx = pos g (s - 1) + (1 - g) weight s; d Dice / dx = (a - b' g) s (1 - s).
          if (m != nullptr)
            for (std::int64_t i = 0; i < n; ++i)
              out[i] = bce_scale * (w.pos * g[i] * (p[i] - 1) + (1 - g[i]) * w.negative(g[i], m[i]) * p[i]) + (a - slope * g[i]) * p[i] * (1 - p[i]);
          else
            for (std::int64_t i = 0; i < n; ++i)
              out[i] = bce_scale * (w.pos * g[i] * (p[i] - 1) + (1 - g[i]) * p[i]) + (a - slope * g[i]) * p[i] * (1 - p[i]);
        }
      }
    });
    return {grad, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

bool fused_segmentation_loss_applies(const at::Tensor& logits) {
  return logits.device().is_cpu() && logits.scalar_type() == at::kFloat && logits.dim() >= 3 && logits.numel() > 0;
}

at::Tensor fused_segmentation_loss(const at::Tensor& logits, const at::Tensor& masks, double pos_weight, double other_lesion_weight,
                                   double dice_weight, double dice_pairs, double bce_elements) {
  return SegmentationLossFunction::apply(logits, masks.to(logits.dtype()), pos_weight, other_lesion_weight, dice_weight, dice_pairs,
                                         bce_elements);
}

}  // namespace unict::model

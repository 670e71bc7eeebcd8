#include "unict/model/lesion_evidence.h"

#include <algorithm>

#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/model/batch_statistics.h"

namespace unict::model {

LesionEvidenceImpl::LesionEvidenceImpl(std::int64_t classes, std::int64_t voxels) : voxels_(voxels) {
  if (voxels < 1) throw internal_error("lesion evidence needs at least one voxel per class");
  scale_ = register_parameter("scale", torch::ones({classes}));
  offset_ = register_parameter("offset", torch::zeros({classes}));
  centre_ = register_buffer("centre", torch::zeros({classes}));
  centred_ = register_buffer("centred", torch::zeros({}));
}

at::Tensor LesionEvidenceImpl::strongest(const at::Tensor& seg_logits) const {
  const auto flat = seg_logits.detach().flatten(2);  // [B, C, N]
  const auto k = std::min(voxels_, flat.size(2));
  return std::get<0>(flat.topk(k, /*dim=*/2)).mean(2).to(torch::kFloat32);
}

at::Tensor LesionEvidenceImpl::forward(const at::Tensor& seg_logits) {
  const auto evidence = strongest(seg_logits);
  if (is_training()) {
    // The first batch sets the centre, later ones move it by kMomentum; no host read, so no
    // device synchronisation.
    torch::NoGradGuard no_grad;
    auto batch_mean = evidence.mean(0);
    if (const SumOverRanks* sum = GlobalBatchStatistics::active()) {  // the global batch's mean, the same on every rank
      const std::int64_t classes = evidence.size(1);
      auto sums = torch::cat({evidence.sum(0), torch::full({1}, static_cast<double>(evidence.size(0)), evidence.options())}) *
                  (GlobalBatchStatistics::contributing() ? 1.0 : 0.0);
      (*sum)(sums);
      batch_mean = sums.narrow(0, 0, classes) / sums.narrow(0, classes, 1);
    }
    const auto moved = centre_ * (1 - kMomentum) + batch_mean * kMomentum;
    centre_.copy_(torch::where(centred_ > 0, moved, batch_mean));
    centred_.fill_(1);
  }
  return (evidence - centre_) * scale_ + offset_;
}

}  // namespace unict::model

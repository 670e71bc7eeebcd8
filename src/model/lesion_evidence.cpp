#include "unict/model/lesion_evidence.h"

#include <algorithm>

#include <torch/torch.h>

#include "unict/core/error.h"

namespace unict::model {

LesionEvidenceImpl::LesionEvidenceImpl(std::int64_t classes, std::int64_t voxels) : voxels_(voxels) {
  if (voxels < 1) throw internal_error("lesion evidence needs at least one voxel per class");
  scale_ = register_parameter("scale", torch::ones({classes}));
  offset_ = register_parameter("offset", torch::zeros({classes}));
}

at::Tensor LesionEvidenceImpl::forward(const at::Tensor& seg_logits) {
  const auto flat = seg_logits.detach().flatten(2);  // [B, C, N]
  const auto k = std::min(voxels_, flat.size(2));
  const auto strongest = std::get<0>(flat.topk(k, /*dim=*/2)).mean(2);
  return strongest * scale_ + offset_;
}

}  // namespace unict::model

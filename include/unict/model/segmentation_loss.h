// The segmentation loss of losses.h, w_dice * soft Dice + (1 - w_dice) * segmentation BCE, as one
// autograd node for float32 tensors on the CPU. Composed of LibTorch ops it took about twenty
// passes over the [B, C, z, y, x] logits forward and as many backward, a quarter of a quick-start
// update (docs/benchmarks.md); here it takes two vectorised LibTorch passes (sigmoid, softplus)
// and one loop forward, and one loop backward. The arithmetic is that of segmentation_bce and
// soft_dice_loss; the sums are taken per fixed-size chunk of voxels, so they do not depend on
// the number of threads.
#pragma once

#include <ATen/core/Tensor.h>

namespace unict::model {

// Whether fused_segmentation_loss takes these logits (float32, CPU); other tensors (CUDA, bf16
// under autocast) take the composite of losses.cpp.
bool fused_segmentation_loss_applies(const at::Tensor& logits);

// logits and masks [B, C, z, y, x] of the same shape, masks in [0, 1]. The loss is a scalar.
// dice_pairs and bce_elements, when positive, replace the Dice mean's (pairs with a lesion) and
// the BCE mean's (elements) denominators: a distributed update's global batch (losses.h).
at::Tensor fused_segmentation_loss(const at::Tensor& logits, const at::Tensor& masks, double pos_weight, double other_lesion_weight,
                                   double dice_weight, double dice_pairs = 0, double bce_elements = 0);

}  // namespace unict::model

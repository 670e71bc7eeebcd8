// The keys of the 2.5-D encoder (encoder.resnet2p5d.*): a 2-D ResNet trunk over groups of three
// axial slices. LibTorch-free, so configs are checked without building a model; the backbone is
// resnet2p5d.h.
#pragma once

#include <cstdint>
#include <filesystem>

#include "unict/core/config_schema.h"

namespace unict::model {

struct Resnet2p5dConfig {
  std::int64_t depth = 0;             // 18 or 34
  std::filesystem::path pretrained;   // torchvision weights (.npz); empty: random init
};
const core::Section<Resnet2p5dConfig>& resnet2p5d_section();

}  // namespace unict::model

// The keys of the 3-D encoder (encoder.resnet3d.*): a stem and stages of 3-D basic blocks.
// LibTorch-free, so configs are checked without building a model; the backbone is resnet3d.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "unict/core/config_schema.h"

namespace unict::model {

struct Resnet3dConfig {
  std::int64_t stem_channels = 0;
  std::vector<std::int64_t> stem_stride;  // (z, y, x)
  std::vector<std::int64_t> widths, depths, z_strides, xy_strides;  // one entry per stage
  std::string norm;                       // group, batch or instance
};
const core::Section<Resnet3dConfig>& resnet3d_section();

// The rule across its keys: each stage has one depth and one stride of each kind.
std::optional<core::KeyProblem> check_resnet3d(const Resnet3dConfig& config);

}  // namespace unict::model

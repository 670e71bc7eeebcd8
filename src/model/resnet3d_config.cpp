#include "unict/model/resnet3d_config.h"

namespace unict::model {
namespace {

using I64s = std::vector<std::int64_t>;

core::Section<Resnet3dConfig> make_section() {
  core::Section<Resnet3dConfig> s("encoder.resnet3d");
  s.key("stem_channels", &Resnet3dConfig::stem_channels, std::int64_t{32}, "channels of the 3-D stem convolution")
      .in_range(core::Range::closed(1, 4096));
  s.key("stem_stride", &Resnet3dConfig::stem_stride, I64s{1, 2, 2}, "stride (z, y, x) of the stem")
      .of_length(3).all_positive();
  s.key("widths", &Resnet3dConfig::widths, I64s{32, 64, 128, 256}, "channels of each stage")
      .all_positive();
  s.key("depths", &Resnet3dConfig::depths, I64s{2, 2, 2, 2}, "residual blocks per stage (same length as widths)")
      .all_positive();
  s.key("z_strides", &Resnet3dConfig::z_strides, I64s{1, 2, 2, 2}, "stride along z of each stage's first block")
      .all_positive();
  s.key("xy_strides", &Resnet3dConfig::xy_strides, I64s{1, 2, 2, 2}, "in-plane stride of each stage's first block")
      .all_positive();
  s.key("norm", &Resnet3dConfig::norm, std::string("group"),
        "normalisation of the 3-D ResNet (group suits the small batches of 3-D training)")
      .one_of({"group", "batch", "instance"});
  return s;
}

}  // namespace

const core::Section<Resnet3dConfig>& resnet3d_section() {
  static const core::Section<Resnet3dConfig> section = make_section();
  return section;
}

std::optional<core::KeyProblem> check_resnet3d(const Resnet3dConfig& config) {
  const auto stages = config.widths.size();
  struct PerStage {
    const char* key;
    const I64s* list;
  };
  for (const auto& p : {PerStage{"encoder.resnet3d.depths", &config.depths}, PerStage{"encoder.resnet3d.z_strides", &config.z_strides},
                        PerStage{"encoder.resnet3d.xy_strides", &config.xy_strides}}) {
    if (p.list->size() != stages)
      return core::KeyProblem{p.key, "has " + std::to_string(p.list->size()) + " entries",
                              std::to_string(stages) + ", one per stage of encoder.resnet3d.widths"};
  }
  return std::nullopt;
}

}  // namespace unict::model

#include "unict/model/resnet2p5d_config.h"

namespace unict::model {
namespace {

core::Section<Resnet2p5dConfig> make_section() {
  core::Section<Resnet2p5dConfig> s("encoder.resnet2p5d");
  s.key("depth", &Resnet2p5dConfig::depth, std::int64_t{18}, "ResNet depth of the 2D trunk over 3-slice groups")
      .satisfying("18 or 34", [](const core::Value& v) {
        auto d = std::get<std::int64_t>(v);
        return d == 18 || d == 34 ? std::string() : std::string("18 or 34");
      });
  s.key("pretrained", &Resnet2p5dConfig::pretrained, std::filesystem::path(""),
        "torchvision ResNet weights exported by scripts/export_torchvision_resnet.py (.npz); empty = random init");
  return s;
}

}  // namespace

const core::Section<Resnet2p5dConfig>& resnet2p5d_section() {
  static const core::Section<Resnet2p5dConfig> section = make_section();
  return section;
}

}  // namespace unict::model

#include "unict/model/encoder_specs.h"

namespace unict::model {
namespace {

// resnet3d: each stage has one depth and one stride of each kind.
std::optional<KeyProblem> check_resnet3d(const EncoderConfig& e) {
  const auto stages = e.resnet3d_widths.size();
  struct PerStage {
    const char* key;
    const std::vector<std::int64_t>* list;
  };
  for (const auto& p : {PerStage{"encoder.resnet3d.depths", &e.resnet3d_depths}, PerStage{"encoder.resnet3d.z_strides", &e.resnet3d_z_strides},
                        PerStage{"encoder.resnet3d.xy_strides", &e.resnet3d_xy_strides}}) {
    if (p.list->size() != stages)
      return KeyProblem{p.key, "has " + std::to_string(p.list->size()) + " entries",
                        std::to_string(stages) + ", one per stage of encoder.resnet3d.widths"};
  }
  return std::nullopt;
}

}  // namespace

const std::vector<EncoderSpec>& encoder_specs() {
  // resnet2p5d's keys need no rule across them (depth's values are checked by its key).
  static const std::vector<EncoderSpec> specs{{"resnet2p5d", nullptr}, {"resnet3d", check_resnet3d}};
  return specs;
}

std::vector<std::string> encoder_names() {
  std::vector<std::string> names;
  for (const auto& s : encoder_specs()) names.push_back(s.name);
  return names;
}

const EncoderSpec* find_encoder_spec(const std::string& name) {
  for (const auto& s : encoder_specs())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace unict::model

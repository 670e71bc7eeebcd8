#include "unict/model/encoder_specs.h"

#include "unict/core/error.h"

namespace unict::model {
namespace {

// The spec of an encoder whose keys are `section` and whose rule is `rule` (none: no rule).
template <class Options>
EncoderSpec spec_of(std::string name, const core::Section<Options>& (*section)(),
                    std::optional<core::KeyProblem> (*rule)(const Options&) = nullptr) {
  EncoderSpec spec;
  spec.name = std::move(name);
  spec.declare = [section](core::Schema& schema) { section().declare_in(schema); };
  spec.read = [section](const core::ResolvedConfig& config) { return EncoderOptions(section().read(config)); };
  spec.check = [rule](const EncoderOptions& options) -> std::optional<core::KeyProblem> {
    if (!rule) return std::nullopt;
    return rule(std::get<Options>(options));
  };
  return spec;
}

}  // namespace

const std::vector<EncoderSpec>& encoder_specs() {
  // resnet2p5d's keys need no rule across them (depth's values are checked by its key).
  static const std::vector<EncoderSpec> specs{spec_of("resnet2p5d", resnet2p5d_section),
                                              spec_of("resnet3d", resnet3d_section, check_resnet3d)};
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

void EncoderConfig::throw_options_mismatch() const {
  throw internal_error("the encoder config of '" + name + "' holds another encoder's options");
}

}  // namespace unict::model

// The encoders a config can name (encoder.name), each with its own section (encoder.<name>.*)
// and the rule across its keys. LibTorch free, so configs are checked without building a model:
// encoder.name must be one of these, only the chosen encoder's keys are read and only its rule
// runs. encoder.h's EncoderRegistry builds them and checks at start that its backbones and these
// specs name the same encoders.
//
// Adding an encoder: its <name>_config.h/.cpp (struct, section, rule), its type in
// model_config.h's EncoderOptions, an entry in encoder_specs.cpp, and its backbone registered in
// encoder.cpp (docs/architecture.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "unict/model/model_config.h"

namespace unict::model {

struct EncoderSpec {
  std::string name;
  std::function<void(core::Schema&)> declare;                     // its keys
  std::function<EncoderOptions(const core::ResolvedConfig&)> read;  // its keys' values
  std::function<std::optional<core::KeyProblem>(const EncoderOptions&)> check;  // its rule across keys
};

const std::vector<EncoderSpec>& encoder_specs();
std::vector<std::string> encoder_names();
// The spec called `name`; nullptr when there is none.
const EncoderSpec* find_encoder_spec(const std::string& name);

}  // namespace unict::model

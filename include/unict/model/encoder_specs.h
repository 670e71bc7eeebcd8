// The encoders a config can name (encoder.name), each with the rule across its own keys. LibTorch
// free, so configs are checked without building a model: encoder.name must be one of these, and
// only the chosen encoder's rule runs. encoder.h's EncoderRegistry builds them and checks at start
// that its backbones and these specs name the same encoders.
//
// Adding an encoder: its keys in encoder_section() (encoder.<name>.*), an entry in
// encoder_specs.cpp, and its backbone registered in encoder.cpp (docs/architecture.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "unict/model/model_config.h"

namespace unict::model {

// What is wrong with one key, for the config's Error (which adds where the value was set).
struct KeyProblem {
  std::string key, reason, expected;
};

struct EncoderSpec {
  std::string name;
  std::function<std::optional<KeyProblem>(const EncoderConfig&)> check;  // its rule across keys; none: nothing to check
};

const std::vector<EncoderSpec>& encoder_specs();
std::vector<std::string> encoder_names();
// The spec called `name`; nullptr when there is none.
const EncoderSpec* find_encoder_spec(const std::string& name);

}  // namespace unict::model

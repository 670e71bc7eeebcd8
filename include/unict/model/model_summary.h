// `unict model summary`: the module tree with parameter counts, and the output shapes of one
// forward pass on a dummy batch.
#pragma once

#include <string>

#include <torch/nn/module.h>

namespace unict::model {

struct ModelOutput;

// One line per module down to `max_depth` levels: "  name (Type)  N params", children indented;
// each count includes the module's children.
std::string module_tree(const torch::nn::Module& root, int max_depth);

std::int64_t parameter_count(const torch::nn::Module& module);

// "cls_logits [2, 10]" etc., one line per defined output.
std::string output_shapes(const ModelOutput& output);

}  // namespace unict::model

#include "unict/model/model_summary.h"

#include <iomanip>
#include <sstream>

#include "unict/model/unict_model.h"

namespace unict::model {
namespace {

// "unict::model::ResNet2dImpl" -> "ResNet2d", "torch::nn::Conv2dImpl" -> "Conv2d".
std::string short_type(const std::string& name) {
  auto type = name.substr(name.rfind(':') == std::string::npos ? 0 : name.rfind(':') + 1);
  if (type.size() > 4 && type.compare(type.size() - 4, 4, "Impl") == 0) type.resize(type.size() - 4);
  return type;
}

std::string with_thousands(std::int64_t n) {
  auto digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

void add_lines(std::ostringstream& out, const torch::nn::Module& module, const std::string& name, int depth, int max_depth) {
  std::string label = std::string(static_cast<std::size_t>(2 * depth), ' ') + name + " (" + short_type(module.name()) + ")";
  out << std::left << std::setw(56) << label << std::right << std::setw(14) << with_thousands(parameter_count(module)) << "\n";
  if (depth >= max_depth) return;
  for (const auto& child : module.named_children()) add_lines(out, *child.value(), child.key(), depth + 1, max_depth);
}

std::string shape_of(const at::Tensor& t) {
  std::string s = "[";
  for (std::int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

}  // namespace

std::int64_t parameter_count(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) n += p.numel();
  return n;
}

std::string module_tree(const torch::nn::Module& root, int max_depth) {
  std::ostringstream out;
  out << std::left << std::setw(56) << "module" << std::right << std::setw(14) << "parameters" << "\n";
  add_lines(out, root, "model", 0, max_depth);
  return out.str();
}

std::string output_shapes(const ModelOutput& output) {
  std::ostringstream out;
  const std::pair<const char*, const at::Tensor*> named[] = {
      {"embedded", &output.embedded},     {"slice_tokens", &output.slice_tokens}, {"latents (h)", &output.latents},
      {"fused (z)", &output.fused},       {"attention", &output.attention},       {"cls_logits", &output.cls_logits},
      {"seg_logits", &output.seg_logits}, {"rep_logits", &output.rep_logits}};
  for (const auto& [name, tensor] : named)
    if (tensor->defined()) out << "  " << std::left << std::setw(14) << name << shape_of(*tensor) << "\n";
  return out.str();
}

}  // namespace unict::model

#include "unict/core/resolved_config.h"

#include <vector>

namespace unict::core {

ResolvedConfig::ResolvedConfig(std::shared_ptr<const Schema> schema) : schema_(std::move(schema)) {
  for (const auto& spec : schema_->keys()) settings_[spec.path] = Setting{spec.default_value, "default"};
}

const Value& ResolvedConfig::get(const std::string& path) const {
  auto it = settings_.find(path);
  if (it == settings_.end()) throw internal_error("read of an undeclared configuration key").key(path);
  return it->second.value;
}

const std::string& ResolvedConfig::origin(const std::string& path) const {
  auto it = settings_.find(path);
  if (it == settings_.end()) throw internal_error("read of an undeclared configuration key").key(path);
  return it->second.origin;
}

void ResolvedConfig::set(const std::string& path, Value value, std::string origin) {
  auto it = settings_.find(path);
  if (it == settings_.end()) throw internal_error("write of an undeclared configuration key").key(path);
  it->second = Setting{std::move(value), std::move(origin)};
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
    parts.push_back(path.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(path.substr(start));
  return parts;
}

// Sections in order of first appearance, so keys that share a section print under one header
// even when declared apart.
struct Node {
  std::string name;
  const KeySpec* key = nullptr;
  std::vector<Node> children;

  Node& child(const std::string& child_name) {
    for (auto& c : children)
      if (c.name == child_name) return c;
    children.push_back(Node{child_name, nullptr, {}});
    return children.back();
  }
};

}  // namespace

std::string ResolvedConfig::to_yaml(YamlOptions options) const {
  Node root;
  for (const auto& spec : schema_->keys()) {
    Node* node = &root;
    for (const auto& part : split_path(spec.path)) node = &node->child(part);
    node->key = &spec;
  }
  std::string out;
  const auto emit = [&](const auto& self, const Node& node, int depth) -> void {
    const std::string indent(2 * static_cast<std::size_t>(depth), ' ');
    for (const auto& c : node.children) {
      if (c.key) {
        const Setting& setting = settings_.at(c.key->path);
        if (options.help_comments) out += indent + "# " + c.key->help + "\n";
        out += indent + c.name + ": " + format_value(setting.value);
        if (options.origin_comments && setting.origin != "default") out += "  # from " + setting.origin;
        out += "\n";
      } else {
        if (options.help_comments && depth == 0 && !out.empty()) out += "\n";
        out += indent + c.name + ":\n";
        self(self, c, depth + 1);
      }
    }
  };
  emit(emit, root, 0);
  return out;
}

}  // namespace unict::core

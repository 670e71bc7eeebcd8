#include "unict/core/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "unict/core/atomic_file.h"
#include "unict/core/join.h"
#include "unict/core/string_distance.h"
#include "yaml_document.h"

namespace unict::core {
YAML::Node parse_yaml_document(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error("invalid YAML: " + e.msg).file(file).line(e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
}

std::string describe_yaml_node(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) return "a list";
  return "a mapping";
}

bool parse_yaml_bool(const std::string& text, bool& out) {
  static const std::set<std::string> yes = {"true", "True", "TRUE"}, no = {"false", "False", "FALSE"};
  if (yes.count(text)) return out = true, true;
  if (no.count(text)) return out = false, true;
  return false;
}

bool parse_yaml_integer(std::string text, std::int64_t& out) {
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty();
}

bool parse_yaml_number(std::string text, double& out) {
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  if (text.empty() || std::isalpha(static_cast<unsigned char>(text.back()))) return false;  // no "inf"/"nan"
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && std::isfinite(out);
}

YamlNode::YamlNode(std::shared_ptr<const std::string> file, std::shared_ptr<const YAML::Node> node, std::string path, int fallback_line)
    : file_(std::move(file)), node_(std::move(node)), path_(std::move(path)), fallback_line_(fallback_line) {}

YamlNode YamlNode::parse(const std::string& text, const std::string& file) {
  return YamlNode(std::make_shared<const std::string>(file), std::make_shared<const YAML::Node>(parse_yaml_document(text, file)), "", 1);
}

YamlNode YamlNode::load_file(const std::filesystem::path& file) { return parse(read_file(file), file.string()); }

int YamlNode::line() const {
  const int own = node_->IsDefined() ? yaml_line_of(*node_) : 0;
  return own > 0 ? own : fallback_line_;
}

bool YamlNode::is_null() const { return !node_->IsDefined() || node_->IsNull(); }
bool YamlNode::is_map() const { return node_->IsDefined() && node_->IsMap(); }
bool YamlNode::is_list() const { return node_->IsDefined() && node_->IsSequence(); }
bool YamlNode::is_scalar() const { return node_->IsDefined() && node_->IsScalar(); }

Error YamlNode::error(std::string what) const {
  Error e(std::move(what));
  e.file(*file_).line(line());
  if (!path_.empty()) e.key(path_);
  return e;
}

Error YamlNode::wrong_type(const std::string& expected) const {
  return error("invalid value").value(describe_yaml_node(*node_)).expected(expected);
}

const YamlNode& YamlNode::expect_keys(const std::vector<std::string>& allowed, const std::string& what) const {
  const std::string list = join(allowed);
  if (!is_map()) throw wrong_type(what + ": a mapping of " + list);
  for (const auto& entry : mapping_entries()) {
    if (std::find(allowed.begin(), allowed.end(), entry.name) != allowed.end()) continue;
    Error e = entry.key.error("unknown key in " + what);
    if (const auto near = nearest_word(entry.name, allowed)) e.hint("did you mean '" + *near + "'? " + what + " takes " + list);
    else e.expected("one of: " + list);
    throw e;
  }
  return *this;
}

YamlNode YamlNode::operator[](const std::string& key) const {
  const std::string full = path_.empty() ? key : path_ + "." + key;
  YAML::Node child;  // undefined unless found
  if (is_map())
    for (const auto& entry : *node_)
      if (entry.first.IsScalar() && entry.first.Scalar() == key) child = entry.second;
  return YamlNode(file_, std::make_shared<const YAML::Node>(child), full, line());
}

YamlNode YamlNode::required(const std::string& key) const {
  YamlNode child = (*this)[key];
  if (child.is_null()) throw error("missing key").key(child.path());
  return child;
}

std::string YamlNode::as_string() const {
  if (!is_scalar() || node_->Scalar().empty()) throw wrong_type("a non-empty text");
  return node_->Scalar();
}

double YamlNode::as_number() const {
  double out = 0;
  if (!is_scalar() || !is_plain_yaml_scalar(*node_) || !parse_yaml_number(node_->Scalar(), out)) throw wrong_type("a finite number");
  return out;
}

std::int64_t YamlNode::as_integer() const {
  std::int64_t out = 0;
  if (!is_scalar() || !is_plain_yaml_scalar(*node_) || !parse_yaml_integer(node_->Scalar(), out)) throw wrong_type("an integer");
  return out;
}

bool YamlNode::as_bool() const {
  bool out = false;
  if (!is_scalar() || !is_plain_yaml_scalar(*node_) || !parse_yaml_bool(node_->Scalar(), out)) throw wrong_type("true or false");
  return out;
}

std::vector<YamlNode> YamlNode::items() const {
  std::vector<YamlNode> out;
  if (is_null()) return out;
  if (!is_list()) throw wrong_type("a list");
  std::size_t i = 0;
  for (const auto& item : *node_)
    out.push_back(YamlNode(file_, std::make_shared<const YAML::Node>(item), path_ + "[" + std::to_string(i++) + "]", line()));
  return out;
}

std::vector<std::string> YamlNode::string_list() const {
  std::vector<std::string> out;
  for (const auto& item : items()) out.push_back(item.as_string());
  return out;
}

std::vector<YamlNode::Entry> YamlNode::mapping_entries() const {
  std::vector<Entry> out;
  std::set<std::string> seen;
  for (const auto& entry : *node_) {
    const YamlNode key(file_, std::make_shared<const YAML::Node>(entry.first), path_, line());
    if (!entry.first.IsScalar()) throw key.error("a key must be a name").value(describe_yaml_node(entry.first)).expected("a plain key");
    const std::string name = entry.first.Scalar();
    const std::string full = path_.empty() ? name : path_ + "." + name;
    if (!seen.insert(name).second) throw key.error("key given twice in one mapping").key(full);
    out.push_back({name, YamlNode(file_, key.node_, full, key.line()), YamlNode(file_, std::make_shared<const YAML::Node>(entry.second), full, key.line())});
  }
  return out;
}

std::vector<std::pair<std::string, YamlNode>> YamlNode::entries() const {
  if (!is_map()) throw wrong_type("a mapping");
  std::vector<std::pair<std::string, YamlNode>> out;
  for (auto& entry : mapping_entries()) out.emplace_back(entry.name, std::move(entry.value));
  return out;
}

}  // namespace unict::core

// yaml-cpp behind the strict reader: how text becomes a document, and how a node is described in
// an error. Private to core: the config loader walks its documents with the schema; everything
// else reads YAML through YamlNode (unict/core/yaml_reader.h).
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

namespace unict::core {

// The document in `text` (from `file`, named in errors). Invalid YAML is an Error at its line.
YAML::Node parse_yaml_document(const std::string& text, const std::string& file);

// What an error shows for a node's value: the scalar itself, "null", "a list" or "a mapping".
std::string describe_yaml_node(const YAML::Node& node);

// A scalar written without quotes or a tag: only those read as booleans and numbers.
inline bool is_plain_yaml_scalar(const YAML::Node& node) { return node.Tag() == "?"; }

inline int yaml_line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

}  // namespace unict::core

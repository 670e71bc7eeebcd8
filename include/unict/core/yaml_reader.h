// The one strict reader of the YAML files the framework reads that are not configs: label sets,
// ablation suites, the labeler's rules. Configs are schema-driven (config_loader.h) but parse their
// files and scalars through the same functions. A mapping names the keys it allows, so a misspelled
// key is an error with the file, line, key and the nearest allowed key, never ignored; a value of
// the wrong type is an error naming what was expected. yaml-cpp's own exceptions never escape.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "unict/core/error.h"

namespace YAML {
class Node;
}

namespace unict::core {

class YamlNode {
 public:
  // A whole file (a missing or unreadable file, or invalid YAML, is an Error naming the file and
  // line). An empty file is a null node.
  static YamlNode load_file(const std::filesystem::path& file);
  // Text held in memory that came from `file` (named in errors).
  static YamlNode parse(const std::string& text, const std::string& file);

  const std::string& file() const { return *file_; }
  int line() const;                                // 1-based, 0 when unknown
  const std::string& path() const { return path_; }  // "variants[1].set", "" at the root

  bool is_null() const;  // absent from its mapping, or written as null / ~ / nothing
  bool is_map() const;
  bool is_list() const;
  bool is_scalar() const;

  // This node must be a mapping of `what` whose every key is in `allowed`: an unknown key is an
  // Error at its line with the closest allowed key as a hint.
  const YamlNode& expect_keys(const std::vector<std::string>& allowed, const std::string& what) const;
  // A key of a mapping; absent keys give a null node at the mapping's line.
  YamlNode operator[](const std::string& key) const;
  bool has(const std::string& key) const { return !(*this)[key].is_null(); }
  // A key that must be there and not null.
  YamlNode required(const std::string& key) const;

  // Typed scalars: a wrong type is an Error naming the key path and what was expected.
  std::string as_string() const;  // a non-empty scalar
  double as_number() const;       // finite
  std::int64_t as_integer() const;
  bool as_bool() const;           // true / false (and their capitalised spellings)

  std::vector<YamlNode> items() const;  // a list (a null node: no items)
  std::vector<std::string> string_list() const;
  // A mapping whose keys are names the file chooses (classes of a labeler): (key, value) in file
  // order; each key must be a plain scalar and appear once.
  std::vector<std::pair<std::string, YamlNode>> entries() const;

  // An Error at this node: its file, line and key path.
  Error error(std::string what) const;

 private:
  YamlNode(std::shared_ptr<const std::string> file, std::shared_ptr<const YAML::Node> node, std::string path, int fallback_line);
  Error wrong_type(const std::string& expected) const;
  // A mapping's keys in file order, each a plain scalar given once (errors at the key's line).
  struct Entry;
  std::vector<Entry> mapping_entries() const;

  std::shared_ptr<const std::string> file_;
  std::shared_ptr<const YAML::Node> node_;
  std::string path_;
  int fallback_line_ = 0;  // where an absent key's mapping is
};

struct YamlNode::Entry {
  std::string name;
  YamlNode key, value;  // both carry the key's path
};

// How a YAML scalar's text is read as a typed value, for configs and every other file alike.
bool parse_yaml_bool(const std::string& text, bool& out);
bool parse_yaml_integer(std::string text, std::int64_t& out);
bool parse_yaml_number(std::string text, double& out);  // finite only: no inf / nan

}  // namespace unict::core

// The outcome of loading a configuration: a value for every declared key, and where it came from
// ("default", "configs/a.yaml:12", "--set"). Printed as YAML by `unict config show` and written
// into every run folder.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "unict/core/config_schema.h"

namespace unict::core {

struct Setting {
  Value value;
  std::string origin;
};

class ResolvedConfig {
 public:
  // Every key at its declared default.
  explicit ResolvedConfig(std::shared_ptr<const Schema> schema);

  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& schema_ptr() const { return schema_; }

  // Throws an internal Error for an undeclared key (a bug, not a user mistake).
  const Value& get(const std::string& path) const;
  const std::string& origin(const std::string& path) const;
  // Sets an already validated value.
  void set(const std::string& path, Value value, std::string origin);

  struct YamlOptions {
    bool help_comments = false;    // "# <help>" above each key
    bool origin_comments = false;  // "# from <origin>" after each value not at its default
  };
  // Nested YAML in declaration order; reads back to the same values.
  std::string to_yaml(YamlOptions options) const;
  std::string to_yaml() const { return to_yaml(YamlOptions{}); }

 private:
  std::shared_ptr<const Schema> schema_;
  std::map<std::string, Setting, std::less<>> settings_;
};

}  // namespace unict::core

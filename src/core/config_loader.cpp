#include "unict/core/config_loader.h"

#include <algorithm>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "unict/core/atomic_file.h"
#include "unict/core/yaml_reader.h"
#include "yaml_document.h"

namespace unict::core {
namespace {

namespace fs = std::filesystem;

// Where a YAML node came from, for errors and for provenance.
struct Place {
  std::string file;  // empty for --set
  int line = 0;      // 1-based, 0 when unknown

  std::string origin() const { return file.empty() ? "--set" : file + ":" + std::to_string(line); }
  Error error(std::string what) const {
    Error e(std::move(what));
    if (!file.empty()) e.file(file).line(line);
    return e;
  }
};

Place place_of(const std::string& file, const YAML::Node& node) {
  return Place{file, node.Mark().line >= 0 ? node.Mark().line + 1 : 0};
}

// ---- scalars ----------------------------------------------------------------------------------

std::string absolute_path(const std::string& text) {
  if (text.empty()) return text;  // "" means "not set"
  return fs::absolute(fs::path(text)).lexically_normal().string();
}

// One scalar element of type `type` (a scalar type, or a list's element type).
Value scalar_value(const YAML::Node& node, ValueType type, const KeySpec& spec, const Place& at) {
  const auto wrong = [&] {
    return at.error("invalid value").key(spec.path).value(describe_yaml_node(node)).expected(spec.allowed());
  };
  if (!node.IsScalar()) throw wrong();
  const std::string& text = node.Scalar();
  switch (type) {
    case ValueType::boolean: {
      bool b = false;
      if (!is_plain_yaml_scalar(node) || !parse_yaml_bool(text, b)) throw wrong();
      return b;
    }
    case ValueType::integer: {
      std::int64_t i = 0;
      if (!is_plain_yaml_scalar(node) || !parse_yaml_integer(text, i)) throw wrong();
      return i;
    }
    case ValueType::number: {
      double d = 0;
      if (!is_plain_yaml_scalar(node) || !parse_yaml_number(text, d)) throw wrong();
      return d;
    }
    case ValueType::string: return text;
    case ValueType::path: return absolute_path(text);
    default: throw internal_error("list type given as an element type").key(spec.path);
  }
}

template <class T>
std::vector<T> list_of(const YAML::Node& node, ValueType element, const KeySpec& spec, const Place& at) {
  std::vector<T> items;
  for (const auto& item : node) items.push_back(std::get<T>(scalar_value(item, element, spec, place_of(at.file, item))));
  return items;
}

Value node_value(const YAML::Node& node, const KeySpec& spec, const Place& at) {
  const bool is_list = spec.type == ValueType::integer_list || spec.type == ValueType::number_list ||
                       spec.type == ValueType::string_list;
  if (is_list && !node.IsSequence())
    throw at.error("invalid value").key(spec.path).value(describe_yaml_node(node)).expected(spec.allowed());
  if (!is_list && (node.IsNull() || !node.IsScalar()))
    throw at.error("invalid value").key(spec.path).value(describe_yaml_node(node)).expected(spec.allowed());
  Value value;
  switch (spec.type) {
    case ValueType::integer_list: value = list_of<std::int64_t>(node, ValueType::integer, spec, at); break;
    case ValueType::number_list: value = list_of<double>(node, ValueType::number, spec, at); break;
    case ValueType::string_list: value = list_of<std::string>(node, ValueType::string, spec, at); break;
    default: value = scalar_value(node, spec.type, spec, at);
  }
  if (auto expected = spec.violation(value); !expected.empty())
    throw at.error("invalid value").key(spec.path).value(display_value(value)).expected(expected);
  return value;
}

Error unknown_key(const Schema& schema, const std::string& path, const Place& at) {
  Error e = at.error("unknown key").key(path);
  const auto near = schema.suggest(path);
  e.hint(near ? "did you mean '" + *near + "'?" : "'unict config keys' lists every key");
  return e;
}

// ---- files ------------------------------------------------------------------------------------

using Settings = std::map<std::string, Setting>;

YAML::Node parse_yaml_file(const fs::path& file) { return parse_yaml_document(read_file(file), file.string()); }

// Reads the keys of `map` (at `prefix`) into `out`, validating each against the schema.
void read_section(const Schema& schema, const YAML::Node& map, const std::string& prefix, const std::string& file,
                  Settings& out) {
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const Place at = place_of(file, entry.first);
    // A key that is a list or a mapping ("? [a, b]: 1") names nothing (found by fuzzing: yaml-cpp's
    // conversion threw past every handler).
    if (!entry.first.IsScalar()) throw at.error("a key must be a name").value(describe_yaml_node(entry.first)).expected("a plain key such as 'lr'");
    const std::string name = entry.first.Scalar();
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (prefix.empty() && name == "base") continue;  // handled by the caller
    if (prefix.empty() && schema.is_skipped_section(name)) continue;
    if (!seen.insert(name).second) throw at.error("key given twice in one mapping").key(path);
    if (const KeySpec* spec = schema.find(path)) {
      out[path] = Setting{node_value(entry.second, *spec, place_of(file, entry.second)), at.origin()};
    } else if (schema.is_section(path)) {
      if (entry.second.IsNull()) continue;  // "train:" with nothing under it
      if (!entry.second.IsMap())
        throw at.error("a section must hold keys").key(path).value(describe_yaml_node(entry.second)).expected("a mapping such as '" + path + ": {key: value}'");
      read_section(schema, entry.second, path, file, out);
    } else {
      throw unknown_key(schema, path, at);
    }
  }
}

class FileLoader {
 public:
  explicit FileLoader(const Schema& schema) : schema_(schema) {}

  // What `file` and its base chain set, bases first.
  Settings load(const fs::path& file, const std::string& named_by, int named_at_line) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(file, ec);
    if (!fs::exists(file)) {
      Error e = Error("config file not found").value(file.string());
      if (!named_by.empty()) e.file(named_by).line(named_at_line).key("base");
      throw e;
    }
    if (std::find(chain_.begin(), chain_.end(), canonical) != chain_.end()) {
      std::string cycle;
      for (const auto& f : chain_) cycle += f.string() + " -> ";
      throw Error("the base: chain forms a cycle: " + cycle + canonical.string()).file(named_by).line(named_at_line);
    }
    chain_.push_back(canonical);

    const std::string name = file.string();
    const YAML::Node root = parse_yaml_file(file);
    if (root.IsDefined() && !root.IsNull() && !root.IsMap())
      throw Error("expected a mapping of keys at the top level").file(name).line(1).value(describe_yaml_node(root));

    Settings settings;
    if (root.IsMap()) {
      for (const auto& [base_file, line] : base_files(root, file)) {
        for (auto& [path, setting] : load(base_file, name, line)) settings[path] = std::move(setting);
      }
      Settings own;
      try {
        read_section(schema_, root, "", name, own);
      } catch (const YAML::Exception& e) {  // a conversion the checks above did not foresee: still the file's fault
        throw Error("invalid YAML: " + e.msg).file(name).line(e.mark.line >= 0 ? e.mark.line + 1 : 0);
      }
      for (auto& [path, setting] : own) settings[path] = std::move(setting);
    }
    chain_.pop_back();
    return settings;
  }

 private:
  std::vector<std::pair<fs::path, int>> base_files(const YAML::Node& root, const fs::path& file) const {
    std::vector<std::pair<fs::path, int>> bases;
    const YAML::Node base = root["base"];
    if (!base) return bases;
    const Place at = place_of(file.string(), base);
    const auto add = [&](const YAML::Node& item) {
      if (!item.IsScalar() || item.Scalar().empty())
        throw at.error("invalid value").key("base").value(describe_yaml_node(item)).expected("a config file path or a list of them");
      bases.emplace_back(file.parent_path() / item.Scalar(), place_of(file.string(), item).line);
    };
    if (base.IsSequence()) {
      for (const auto& item : base) add(item);
    } else {
      add(base);
    }
    return bases;
  }

  const Schema& schema_;
  std::vector<fs::path> chain_;
};

}  // namespace

ResolvedConfig load_config(std::shared_ptr<const Schema> schema, const fs::path& file,
                           const std::vector<std::string>& overrides) {
  ResolvedConfig config(schema);
  FileLoader loader(*schema);
  for (auto& [path, setting] : loader.load(file, "", 0)) config.set(path, std::move(setting.value), std::move(setting.origin));
  for (const auto& assignment : overrides) apply_override(config, assignment);
  return config;
}

void apply_override(ResolvedConfig& config, std::string_view assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0)
    throw Error("invalid --set").value(std::string(assignment)).expected("key.path=value, e.g. train.lr=0.0003");
  const std::string path(assignment.substr(0, equals));
  const std::string text(assignment.substr(equals + 1));
  const Schema& schema = config.schema();
  const KeySpec* spec = schema.find(path);
  const Place at{};
  if (!spec) {
    if (schema.is_section(path)) throw at.error("--set needs a full key path, not a section").key(path);
    throw unknown_key(schema, path, at);
  }

  YAML::Node node;
  if (spec->type == ValueType::string || spec->type == ValueType::path) {
    node = YAML::Node(text);  // verbatim: "--set run.name=1e3" is the name "1e3"
  } else {
    const bool is_list = spec->type == ValueType::integer_list || spec->type == ValueType::number_list ||
                         spec->type == ValueType::string_list;
    const std::string yaml = is_list && (text.empty() || text.front() != '[') ? "[" + text + "]" : text;
    try {
      node = YAML::Load(yaml);
    } catch (const YAML::Exception&) {
      throw at.error("invalid value").key(path).value(text).expected(spec->allowed());
    }
  }
  config.set(path, node_value(node, *spec, at), "--set");
}

}  // namespace unict::core

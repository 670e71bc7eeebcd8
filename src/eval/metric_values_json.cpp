#include "unict/eval/metric_values_json.h"

#include "unict/core/error.h"

namespace unict::eval {

nlohmann::json to_json(const MetricValues& values) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, value] : values.entries()) out[id] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  return out;
}

MetricValues metric_values_from_json(const nlohmann::json& object, const std::string& source) {
  if (!object.is_object()) throw Error("metrics are not an object of id: value").file(source);
  MetricValues out;
  for (const auto& [id, value] : object.items()) {
    if (!value.is_number() && !value.is_null()) throw Error("a metric's value is not a number or null").file(source).key(id);
    try {
      out.set(id, value.is_number() ? std::optional<double>(value.get<double>()) : std::nullopt);
    } catch (Error& e) {
      throw e.file(source);
    }
  }
  return out;
}

}  // namespace unict::eval

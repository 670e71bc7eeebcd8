// MetricValues in results.json, summaries and metrics.jsonl: {"<id>": value or null, ...}.
// Kept apart from the registry so the registry needs no JSON library (the model-only build).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "unict/eval/metric_registry.h"

namespace unict::eval {

nlohmann::json to_json(const MetricValues& values);
// Every id is checked against the registry; an Error names `source` and the id.
MetricValues metric_values_from_json(const nlohmann::json& object, const std::string& source);

}  // namespace unict::eval

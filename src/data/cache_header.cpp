#include "unict/data/cache_header.h"

#include <nlohmann/json.hpp>

namespace unict::data {

nlohmann::json to_json(const CacheHeader& h) {
  return {{"name", h.name},
          {"patient", h.patient},
          {"shape", h.shape},
          {"dtype", std::string(io::dtype_name(h.dtype))},
          {"storage", h.storage},
          {"hu_min", h.hu_min},
          {"hu_max", h.hu_max},
          {"spacing_zyx", h.spacing_zyx},
          {"origin_xyz", h.origin_xyz},
          {"classes", h.classes},
          {"has_mask", h.has_mask},
          {"labels", h.labels},
          {"report", h.report},
          {"source_split", h.source_split}};
}

CacheHeader cache_header_from_json(const nlohmann::json& j) {
  CacheHeader h;
  h.name = j.at("name").get<std::string>();
  h.patient = j.at("patient").get<std::string>();
  h.shape = j.at("shape").get<std::vector<std::int64_t>>();
  // The writer stores int16 HU or uint8 levels only.
  h.dtype = j.at("dtype").get<std::string>() == "uint8" ? io::DType::uint8 : io::DType::int16;
  h.storage = j.at("storage").get<std::string>();
  h.hu_min = j.at("hu_min").get<double>();
  h.hu_max = j.at("hu_max").get<double>();
  h.spacing_zyx = j.at("spacing_zyx").get<std::array<double, 3>>();
  h.origin_xyz = j.at("origin_xyz").get<std::array<double, 3>>();
  h.classes = j.at("classes").get<std::vector<std::string>>();
  h.has_mask = j.at("has_mask").get<bool>();
  h.labels = j.at("labels").get<std::vector<std::uint8_t>>();
  h.report = j.at("report").get<std::string>();
  h.source_split = j.at("source_split").get<std::string>();
  return h;
}

}  // namespace unict::data

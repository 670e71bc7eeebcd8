// The header of a cache item (cache_item.h), typed: read once when an item is mapped, so the
// loader's hot path reads fields, not JSON. The file stores it as JSON with these keys.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "unict/io/ndarray.h"

namespace unict::data {

struct CacheHeader {
  std::string name, patient;
  std::vector<std::int64_t> shape;    // (z, y, x)
  io::DType dtype = io::DType::int16;  // int16 HU, or uint8 levels of [hu_min, hu_max]
  std::string storage;                 // preprocess.storage that made it
  double hu_min = 0, hu_max = 0;       // the HU window
  std::array<double, 3> spacing_zyx{};
  std::array<double, 3> origin_xyz{};
  std::vector<std::string> classes;    // the classes of `labels` and of the masks
  bool has_mask = false;
  std::vector<std::uint8_t> labels;    // 0 / 1 per class
  std::string report, source_split;
};

nlohmann::json to_json(const CacheHeader& header);
// Throws nlohmann::json::exception on a missing key or a value of another type.
CacheHeader cache_header_from_json(const nlohmann::json& json);

}  // namespace unict::data

// The `run` section: what every command needs, whatever it runs (seed, threads, device, logging,
// where run folders go).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "unict/core/config_schema.h"

namespace unict::core {

struct RunConfig {
  std::string name;                  // experiment name: runs/<name>/...
  std::filesystem::path output_root; // where run folders are created
  std::int64_t seed = 0;             // the root of every random stream (see seed.h)
  std::int64_t threads = 0;          // worker threads; 0 = one per hardware thread
  std::string device;                // auto, cpu, cuda or cuda:<index>
  std::string log_level;
};

const Section<RunConfig>& run_section();

}  // namespace unict::core

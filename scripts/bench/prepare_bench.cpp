// Preprocessing throughput of `unict prepare`'s engine on CT files given on the command line
// (CT only, like the Python reference in prepare_reference.py).
//   prepare_bench CACHE_DIR THREADS FILE.nii.gz ...
// Prints volumes per second for the paper-like settings (1.5 x 0.75 x 0.75 mm, 240 x 480 x 480).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include "unict/core/resolved_config.h"
#include "unict/data/prepare.h"

int main(int argc, char** argv) {
  using namespace unict::data;
  if (argc < 4) {
    std::cerr << "usage: prepare_bench CACHE_DIR THREADS FILE.nii.gz ...\n";
    return 2;
  }
  if (std::getenv("UNICT_BENCH_DEBUG")) spdlog::set_level(spdlog::level::debug);  // per-step timings
  SampleSet samples;
  for (int i = 3; i < argc; ++i) {
    Sample s;
    s.ct.file = argv[i];
    s.name = std::filesystem::path(argv[i]).filename().string();
    s.patient = s.name;
    samples.samples.push_back(s);
  }
  // The declared defaults: the paper-like settings of configs/base.yaml.
  auto schema = std::make_shared<unict::core::Schema>();
  preprocess_section().declare_in(*schema);
  const PreprocessConfig p = preprocess_section().read(unict::core::ResolvedConfig(schema));
  nlohmann::json settings = {{"bench", "prepare"}};
  PrepareOptions options{argv[1], "bench", "fail", static_cast<std::size_t>(std::atoi(argv[2]))};
  const auto start = std::chrono::steady_clock::now();
  const auto result = prepare_cache(samples, p, settings, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("unict prepare: %zu volumes in %.2f s = %.3f volumes/s (%s threads)\n", result.prepared, seconds,
              static_cast<double>(result.prepared) / seconds, argv[2]);
  return 0;
}

// Cache read throughput against the physical bound: for the items of a prepared cache folder,
//  1. memcpy of the same bytes, already in memory (the bound);
//  2. map_cache_item of every item and one pass over its bytes (files in the page cache);
//  3. the same bytes windowed into float32 by 2 threads, without the loader (its bound here);
//  4. the batch loader without augmentation (read, scale to float, collate), 2 workers.
//   cache_read_bench CACHE_FOLDER [ROUNDS]
//   cache_read_bench CACHE_FOLDER loader     only step 4, once (for peak-memory measurements)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "unict/data/cache_item.h"
#include "unict/data/intensity_window.h"
#include "unict/data/loader.h"

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace unict::data;
  if (argc < 2) {
    std::fprintf(stderr, "usage: cache_read_bench CACHE_FOLDER [ROUNDS]\n");
    return 2;
  }
  const bool loader_only = argc > 2 && std::strcmp(argv[2], "loader") == 0;
  const int rounds = argc > 2 && !loader_only ? std::atoi(argv[2]) : 3;
  const auto items = cache_items(argv[1]);
  if (loader_only) {  // a window of 2 batches: both item counts of the memory check exceed it
    LoaderConfig config;
    config.workers = 2;
    config.prefetch = 2;
    config.max_shift = {0, 0, 0};
    BatchLoader loader(items, 1, config, 0);
    loader.start_epoch(0);
    std::size_t batches = 0;
    while (loader.next()) ++batches;
    std::printf("loader: %zu batches\n", batches);
    return 0;
  }
  std::vector<std::vector<char>> files;
  double bytes = 0;
  for (const auto& item : items) {  // also warms the page cache
    std::ifstream in(item.file, std::ios::binary);
    files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    bytes += static_cast<double>(files.back().size());
  }
  const double gb = bytes * rounds / 1e9;

  std::vector<char> target(files.front().size());
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& f : files) {
      if (target.size() < f.size()) target.resize(f.size());
      std::memcpy(target.data(), f.data(), f.size());
    }
  const double memcpy_rate = gb / seconds_since(start);

  // Mapping an item and reading every byte of it once (what the loader's conversion does).
  start = std::chrono::steady_clock::now();
  std::size_t checksum = 0;
  for (int r = 0; r < rounds; ++r)
    for (const auto& item : items) {
      const MappedCacheItem mapped = map_cache_item(item.file);
      const auto* words = reinterpret_cast<const std::uint64_t*>(mapped.ct);
      std::uint64_t sum = 0;
      const std::size_t count = unict::io::element_count(mapped.header.shape) * unict::io::dtype_size(mapped.header.dtype) / 8;
      for (std::size_t i = 0; i < count; ++i) sum += words[i];
      checksum += sum;
    }
  const double read_rate = gb / seconds_since(start);

  // The loader's own work without the loader: each item's voxels windowed into float32 in one
  // reused buffer, the volume split between 2 threads: the bound of step 3 on this machine.
  std::vector<float> converted;
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& item : items) {
      const MappedCacheItem mapped = map_cache_item(item.file);
      const auto voxels = static_cast<std::size_t>(unict::io::element_count(mapped.header.shape));
      converted.resize(voxels);
      const IntensityWindow window(mapped.header.dtype, mapped.header.hu_min, mapped.header.hu_max);
      const std::size_t bytes_per_voxel = unict::io::dtype_size(mapped.header.dtype);
      const auto half = [&](std::size_t first, std::size_t last) {
        window.convert(mapped.header.dtype, mapped.ct + first * bytes_per_voxel, last - first, converted.data() + first);
      };
      std::thread other(half, voxels / 2, voxels);
      half(0, voxels / 2);
      other.join();
      checksum += static_cast<std::size_t>(converted[voxels / 3]);
    }
  const double convert_rate = gb / seconds_since(start);

  LoaderConfig config;
  config.workers = 2;
  config.prefetch = 4;
  config.shuffle = false;
  config.max_shift = {0, 0, 0};
  BatchLoader loader(items, 1, config, 0);
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    loader.start_epoch(r);
    while (auto batch = loader.next()) checksum += static_cast<std::size_t>(batch->ct.numel());
  }
  const double loader_rate = gb / seconds_since(start);

  std::printf("items: %zu, %.1f MB each, %d rounds (checksum %zu)\n", items.size(), bytes / static_cast<double>(items.size()) / 1e6, rounds, checksum % 7);
  std::printf("memcpy of the same bytes:        %6.2f GB/s\n", memcpy_rate);
  std::printf("map_cache_item + read every byte: %6.2f GB/s  (%.0f %% of memcpy)\n", read_rate, 100 * read_rate / memcpy_rate);
  std::printf("map + window into float32, 2 threads: %6.2f GB/s of cache bytes  (%.0f %% of memcpy)\n", convert_rate, 100 * convert_rate / memcpy_rate);
  std::printf("loader, no augmentation, 2 workers: %6.2f GB/s of cache bytes  (%.0f %% of memcpy)\n", loader_rate, 100 * loader_rate / memcpy_rate);
  return 0;
}

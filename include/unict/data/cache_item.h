// One preprocessed sample in the cache: a single file read with one sequential read.
//
//   bytes 0-11   "UNICT-CACHE\n"
//   bytes 12-15  format version, uint32 little-endian (kCacheItemFormat)
//   bytes 16-23  header length H, uint64 little-endian
//   bytes 24-31  CRC-32 of every byte from 32 to the end, uint64 little-endian (high half 0)
//   bytes 32..   header: UTF-8 JSON, space-padded so that the data starts at a multiple of 64
//   then         the CT, C order (z, y, x), dtype as the header says (int16 HU or uint8)
//   then         if has_mask: one bit-packed mask per class (ceil(z*y*x / 8) bytes, voxel v is bit
//                v % 8 of byte v / 8, classes in the header's order)
//
// Header keys: those of CacheHeader (cache_header.h). The checksum is verified the first time a
// process maps an item: a modified or truncated item is refused with its name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/data/cache_header.h"
#include "unict/data/preprocess.h"

namespace unict::data {

// Version 2 added the checksum. Part of the cache folder's key, so that a cache of another
// version is left where it is and a new one is prepared.
constexpr std::uint32_t kCacheItemFormat = 2;

struct MappedFile;

// A cache item mapped into memory (read-only, no copy): the loader converts straight from it.
struct MappedCacheItem {
  CacheHeader header;
  std::shared_ptr<const MappedFile> mapping;
  const std::uint8_t* ct = nullptr;            // voxels, dtype header.dtype, shape header.shape (z, y, x)
  const std::uint8_t* packed_masks = nullptr;  // when has_mask: classes x ceil(voxels / 8) bytes
  std::size_t mask_stride = 0;                 // bytes per class
};
MappedCacheItem map_cache_item(const std::filesystem::path& file);

struct CacheItem {
  CacheHeader header;
  io::NdArray ct;                                // (z, y, x)
  std::vector<std::vector<std::uint8_t>> masks;  // per class 0 / 1, when has_mask
};

// Writes atomically.
void write_cache_item(const std::filesystem::path& file, const Sample& sample, const std::vector<std::string>& class_names,
                      const PreparedVolume& prepared, const PreprocessConfig& config);

// Errors name the file: not a cache item, another format version, truncated, damaged.
CacheItem read_cache_item(const std::filesystem::path& file, bool with_masks = true);

// What `unict inspect` prints for a cache item: its header, statistics of the stored CT in
// float64, and the number of voxels of each class's mask.
nlohmann::json inspect_cache_item(const std::filesystem::path& file);

std::vector<std::uint8_t> pack_bits(const std::vector<std::uint8_t>& values);
std::vector<std::uint8_t> unpack_bits(const std::uint8_t* packed, std::size_t count);

}  // namespace unict::data

// CRC-32 (the polynomial of zlib, gzip and PNG) through libdeflate's vectorised code: cheap enough
// to verify data each time it is read. Used by cache items and checkpoints to refuse damaged bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace unict::core {

// The CRC-32 of `size` bytes, continuing from `previous` (the CRC of what came before; 0 to start).
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t previous = 0);
inline std::uint32_t crc32(std::string_view bytes, std::uint32_t previous = 0) { return crc32(bytes.data(), bytes.size(), previous); }

}  // namespace unict::core

#include "unict/core/checksum.h"

#include <libdeflate.h>

namespace unict::core {

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t previous) { return libdeflate_crc32(previous, data, size); }

}  // namespace unict::core

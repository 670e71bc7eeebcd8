#include "unict/core/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace unict::core {
namespace {

// The CRC-32 check value of the ISO-HDLC / zlib polynomial: the CRC of the ASCII digits 1-9.
TEST(Crc32, GivesTheCatalogueCheckValue) {
  EXPECT_EQ(crc32(std::string_view("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(std::string_view("")), 0u);
}

TEST(Crc32, ContinuesAcrossPiecesAndSeesOneFlippedBit) {
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes += static_cast<char>((i * 131) % 251);
  const std::uint32_t whole = crc32(bytes);
  std::uint32_t pieces = 0;
  for (std::size_t at = 0; at < bytes.size(); at += 777) pieces = crc32(std::string_view(bytes).substr(at, 777), pieces);
  EXPECT_EQ(pieces, whole);
  bytes[54321] = static_cast<char>(bytes[54321] ^ 0x10);
  EXPECT_NE(crc32(bytes), whole);
}

}  // namespace
}  // namespace unict::core

// The report vocabulary's fixed special ids, shared by the tokenizer and the model (which must
// agree on them without either depending on the other).
#pragma once

#include <cstdint>

namespace unict::text {

inline constexpr std::int64_t kPadId = 0;
inline constexpr std::int64_t kUnkId = 1;
inline constexpr std::int64_t kBosId = 2;
inline constexpr std::int64_t kEosId = 3;

}  // namespace unict::text

#include "unict/io/ndarray.h"

#include <gtest/gtest.h>

namespace unict::io {
namespace {

TEST(NdArray, ReverseAxesMovesEveryElementToItsMirroredIndex) {
  NdArray a(DType::int32, {2, 3, 4, 5});
  auto* v = a.data<std::int32_t>();
  for (std::size_t i = 0; i < a.size(); ++i) v[i] = static_cast<std::int32_t>(i);
  const NdArray r = reverse_axes(a);
  ASSERT_EQ(r.shape, (std::vector<std::int64_t>{5, 4, 3, 2}));
  const auto* w = r.data<std::int32_t>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < 5; ++l) EXPECT_EQ(w[((l * 4 + k) * 3 + j) * 2 + i], v[((i * 3 + j) * 4 + k) * 5 + l]);
  EXPECT_EQ(reverse_axes(r).bytes, a.bytes);
}

TEST(NdArray, TypedAccessChecksTheElementType) {
  NdArray a(DType::int16, {3});
  EXPECT_NO_THROW(a.data<std::int16_t>());
  EXPECT_THROW(a.data<float>(), Error);
  a.data<std::int16_t>()[2] = -7;
  EXPECT_EQ(a.value_at(2), -7.0);
}

TEST(NdArray, ElementCountRejectsNegativeExtents) {
  EXPECT_EQ(element_count({}), 1u);
  EXPECT_EQ(element_count({2, 0, 3}), 0u);
  EXPECT_THROW(element_count({2, -1}), Error);
}

}  // namespace
}  // namespace unict::io

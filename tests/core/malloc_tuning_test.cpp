#include "unict/core/malloc_tuning.h"

#include <cstdlib>
#include <cstring>

#include <malloc.h>

#include <gtest/gtest.h>

namespace unict::core {
namespace {

// An 8 MiB block, the size of a quick-start activation: glibc would map it with mmap and unmap it
// on free (its default mmap threshold starts at 128 KiB), so the next step faults it in again.
TEST(MallocTuning, KeepsTensorSizedBlocksInTheHeapAfterTheyAreFreed) {
  ASSERT_TRUE(keep_freed_tensor_memory());
  constexpr std::size_t kBytes = 8u << 20;
  const auto before = mallinfo2();
  auto* block = static_cast<char*>(std::malloc(kBytes));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);  // touched, as a tensor is
  const auto allocated = mallinfo2();
  EXPECT_LT(allocated.hblkhd, before.hblkhd + kBytes) << "the block was served by mmap";
  std::free(block);
  const auto freed = mallinfo2();
  EXPECT_GE(freed.fordblks, kBytes) << "the freed block went back to the kernel";
}

}  // namespace
}  // namespace unict::core

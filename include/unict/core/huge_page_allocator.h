// An allocator for large buffers (volumes): 2 MiB-aligned blocks marked for transparent huge
// pages, so that first touch costs one page fault per 2 MiB instead of one per 4 KiB. Page faults
// dominate when volumes of hundreds of MB are allocated per item, and they serialise threads.
// Elements are default-initialised: callers that need zeros fill explicitly.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <vector>

namespace unict::core {

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  HugePageAllocator() = default;
  template <class U> HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    if (bytes < 2 * kHuge) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (!p) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: fine if the kernel declines
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < 2 * (std::size_t{2} << 20)) ::operator delete(p);
    else std::free(p);
  }
  template <class U> void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) { ::new (static_cast<void*>(p)) U; }
  template <class U, class... Args> void construct(U* p, Args&&... args) { ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...); }

  template <class U> bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
  template <class U> bool operator!=(const HugePageAllocator<U>&) const noexcept { return false; }
};

// A vector for volume-sized buffers.
template <class T> using BigVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace unict::core

// Keeps the C allocator from handing tensor-sized blocks back to the kernel after every use.
#pragma once

namespace unict::core {

// Sets glibc malloc's mmap and trim thresholds so that freed blocks of up to 32 MiB stay in the
// process for reuse. Call once, first thing in main, before any thread starts. Returns false when
// the C library refused a setting (not glibc, or a glibc that forbids it), which only costs speed.
bool keep_freed_tensor_memory();

}  // namespace unict::core

# LibTorch glue. Every target that includes LibTorch headers calls unict_use_torch(), which links
# LibTorch and reuses one precompiled header, so the parse of <torch/torch.h> (most of the ~30 s a
# LibTorch translation unit takes) happens once per build instead of once per translation unit.
# LibTorch's own compile flags (TORCH_CXX_FLAGS, e.g. the libstdc++ ABI switch) travel with the
# imported `torch` target's INTERFACE_COMPILE_OPTIONS, so linking is enough to get them.

option(UNICT_TORCH_PCH "Share one precompiled LibTorch header between LibTorch targets" ON)
message(STATUS "UniCT: LibTorch ${Torch_VERSION} from ${Torch_DIR}")

if(UNICT_TORCH_PCH)
  add_library(unict_torch_pch STATIC "${PROJECT_SOURCE_DIR}/src/core/torch_pch.cpp")
  target_include_directories(unict_torch_pch PRIVATE "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(unict_torch_pch PUBLIC ${TORCH_LIBRARIES})
  target_precompile_headers(unict_torch_pch PRIVATE "${PROJECT_SOURCE_DIR}/include/unict/core/torch_pch.h")
endif()

function(unict_use_torch target)
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
  if(UNICT_TORCH_PCH)
    target_precompile_headers(${target} REUSE_FROM unict_torch_pch)
  endif()
endfunction()

# c10d's Gloo process group: LibTorch exports it, but its header includes Gloo's own headers.
# Debian's LibTorch links the system Gloo (libgloo-dev); a LibTorch 2.x archive may carry the
# headers under its include folder. NCCL is used where the LibTorch was built with it (CUDA).
find_path(UNICT_GLOO_INCLUDE_DIR gloo/context.h HINTS ${TORCH_INCLUDE_DIRS})
# Debian's libtorch_cpu links the shared libgloo, whose symbols the header's inline code names; a
# LibTorch archive or pip wheel has Gloo inside libtorch_cpu, and a second copy must not be linked.
if(TORCH_INSTALL_PREFIX STREQUAL "/usr")
  find_library(UNICT_GLOO_LIBRARY NAMES gloo)
endif()
if(NOT UNICT_GLOO_INCLUDE_DIR)
  message(FATAL_ERROR "UniCT: Gloo's headers (gloo/context.h) not found; on Debian: apt-get install libgloo-dev")
endif()
find_file(UNICT_C10D_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp HINTS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
function(unict_use_c10d target)
  target_include_directories(${target} SYSTEM PRIVATE "${UNICT_GLOO_INCLUDE_DIR}")
  if(UNICT_GLOO_LIBRARY)
    target_link_libraries(${target} PUBLIC "${UNICT_GLOO_LIBRARY}")
  endif()
  if(TORCH_CUDA_LIBRARIES AND UNICT_C10D_NCCL_HEADER)
    target_compile_definitions(${target} PRIVATE UNICT_WITH_NCCL USE_C10D_NCCL)
  endif()
endfunction()

# LibTorch glue. Every target that includes LibTorch headers calls unict_use_torch(), which links
# LibTorch and reuses one precompiled header, so the ~30 s parse of <torch/torch.h> happens once
# per build instead of once per translation unit.

message(STATUS "UniCT: LibTorch ${Torch_VERSION} from ${Torch_DIR}")

add_library(unict_torch_pch STATIC "${PROJECT_SOURCE_DIR}/src/core/torch_pch.cpp")
target_include_directories(unict_torch_pch PRIVATE "${PROJECT_SOURCE_DIR}/include")
target_link_libraries(unict_torch_pch PUBLIC ${TORCH_LIBRARIES})
target_precompile_headers(unict_torch_pch PRIVATE "${PROJECT_SOURCE_DIR}/include/unict/core/torch_pch.h")

function(unict_use_torch target)
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
  target_precompile_headers(${target} REUSE_FROM unict_torch_pch)
endfunction()
# LibTorch's own compile flags (TORCH_CXX_FLAGS, e.g. the libstdc++ ABI switch) travel with the
# imported `torch` target's INTERFACE_COMPILE_OPTIONS, so linking is enough to get them.

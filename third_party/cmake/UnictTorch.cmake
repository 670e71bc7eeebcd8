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

# Compiler launcher and warning flags shared by every UniCT target.

find_program(UNICT_CCACHE ccache)
if(UNICT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # Precompiled headers are only cache-safe with these sloppiness settings (ccache manual,
  # "Precompiled headers").
  set(CMAKE_CXX_COMPILER_LAUNCHER
      "${CMAKE_COMMAND}" -E env "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      "${UNICT_CCACHE}")
  message(STATUS "UniCT: compiling through ccache (${UNICT_CCACHE})")
endif()

function(unict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(UNICT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

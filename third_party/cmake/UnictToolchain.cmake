# Compiler launcher and warning flags shared by every UniCT target.

find_program(UNICT_CCACHE ccache)
if(UNICT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # Precompiled headers are only cache-safe with these sloppiness settings (ccache manual,
  # "Precompiled headers"). Paths under the source tree are hashed relative to the build folder,
  # and the build folder itself is not hashed, so that another clone of the tree (CI's fresh
  # clone, a git worktree) reuses what this one compiled instead of compiling everything again.
  set(CMAKE_CXX_COMPILER_LAUNCHER
      "${CMAKE_COMMAND}" -E env "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      "CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}" "CCACHE_NOHASHDIR=true" "${UNICT_CCACHE}")
  message(STATUS "UniCT: compiling through ccache (${UNICT_CCACHE})")
endif()

function(unict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(UNICT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

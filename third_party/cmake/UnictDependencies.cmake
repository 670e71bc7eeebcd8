# The Debian 12 packages UniCT builds against (installed by scripts/setup.sh).
# Each find_package names the package that provides it, so a missing one says what to install.

find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)   # libyaml-cpp-dev
find_package(spdlog REQUIRED)     # libspdlog-dev
find_package(CLI11 REQUIRED)      # libcli11-dev
find_package(Torch REQUIRED)      # libtorch-dev (CPU) or a LibTorch 2.x via CMAKE_PREFIX_PATH / Torch_DIR
if(UNICT_BUILD_TESTS)
  find_package(GTest REQUIRED)    # libgtest-dev
endif()

# The Debian 12 packages UniCT builds against (installed by scripts/setup.sh).
# Each find_package names the package that provides it, so a missing one says what to install.

# UNICT_MODEL_ONLY (GPU machines without ITK): only what core, the model and its benchmark need.
# UNICT_WITH_ITK=OFF: everything, with NIfTI geometry from the header (io/nifti_header.h).

find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)   # libyaml-cpp-dev
find_package(spdlog REQUIRED)     # libspdlog-dev
if(NOT UNICT_FUZZ AND NOT UNICT_SANITIZE)  # those builds have the LibTorch-free layers only
  find_package(Torch REQUIRED)    # libtorch-dev (CPU) or a LibTorch 2.x via CMAKE_PREFIX_PATH / Torch_DIR
endif()
if(UNICT_MODEL_ONLY)
  return()
endif()
# libzip-dev (.npz archives): through pkg-config, because Debian 12's libzip CMake config also
# requires the zipcmp/zipmerge/ziptool programs of the separate libzip-tools package.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
if(NOT UNICT_FUZZ AND NOT UNICT_SANITIZE)
  find_package(CLI11 REQUIRED)    # libcli11-dev
endif()
find_package(nlohmann_json REQUIRED)  # nlohmann-json3-dev
if(NOT UNICT_FUZZ AND NOT UNICT_SANITIZE)
  pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)  # libsentencepiece-dev: report tokenizer
  pkg_check_modules(PLPLOT REQUIRED IMPORTED_TARGET plplot-c++ plplot)  # libplplot-dev + plplot-driver-cairo: figures (PNG)
endif()
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)  # libdeflate-dev: fast gzip inflate for .nii.gz
find_package(ZLIB REQUIRED)       # zlib1g-dev (NIfTI voxels are read with zlib)
if(UNICT_WITH_ITK)
  find_package(ITK REQUIRED COMPONENTS ITKIONIFTI ITKIOImageBase ITKCommon)  # libinsighttoolkit5-dev
endif()
if(UNICT_BUILD_TESTS)
  find_package(GTest REQUIRED)    # libgtest-dev
endif()

// The NIfTI header path: sizeof_hdr, dims, datatype, vox_offset, scaling, qform / sform (the
// geometry from the header, as builds without ITK read it), then the voxels, plain and gzipped.
#include "fuzz_input.h"
#include "unict/io/nifti.h"
#include "unict/io/nifti_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("input.nii", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] {
    const auto info = unict::io::read_nifti_info(file);
    unict::io::nifti_header_geometry(file, std::min<std::size_t>(info.dims.size(), 4));
    unict::io::read_nifti(file);
  });
  return 0;
}

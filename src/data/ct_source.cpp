#include "unict/data/ct_source.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <mutex>
#include <type_traits>

#include "unict/core/error.h"
#include "unict/io/npy.h"

namespace unict::data {
namespace {

io::NdArray to_hu(const io::NdArray& stored, double slope, double intercept, const std::string& file) {
  io::NdArray hu = io::NdArray::uninitialized(io::DType::float32, stored.shape);
  float* out = hu.data<float>();
  const auto s = static_cast<float>(slope), b = static_cast<float>(intercept);
  io::visit_elements(stored, [&](const auto* v, std::size_t n) {
    using T = std::decay_t<decltype(*v)>;
    bool finite = true;
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = static_cast<float>(v[i]) * s + b;
      if constexpr (std::is_floating_point_v<T>) finite = finite && std::isfinite(out[i]);
    }
    if (!finite) {
      for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(out[i])) throw Error("volume has NaN or infinite voxels").file(file).value("voxel " + std::to_string(i));
    }
    return 0;
  });
  return hu;
}

}  // namespace

io::Geometry radchestct_geometry(double spacing) {
  // File axes, fastest first: columns run right->left (+x in LPS), rows anterior->posterior (+y),
  // slices superior->inferior (-z).
  io::Geometry g = io::Geometry::identity(3);
  g.spacing = {spacing, spacing, spacing};
  g.direction[2 * 3 + 2] = -1.0;
  return g;
}

io::Volume load_ct(const CtSource& source) {
  const std::string name = source.file.string();
  if (source.format != CtFormat::radchestct_npz && !io::nifti_geometry_from_itk()) {
    // The header's qform / sform agree with ITK on every reference file (tests/io/nifti_test.cpp),
    // but ITK's rules for files whose qform and sform disagree are its own.
    static std::once_flag said;
    std::call_once(said, [&] {
      spdlog::warn("this build has no ITK (UNICT_WITH_ITK=OFF): {} and every other scan get their geometry from the NIfTI header "
                   "(qform, else sform), not from ITK; for a cache that is certain to equal the default build's, prepare it there",
                   name);
    });
  }
  io::Volume volume;
  double slope = 1.0, intercept = 0.0;
  switch (source.format) {
    case CtFormat::nifti_hu:
      volume = io::read_nifti(source.file, io::NiftiScaling::apply);
      break;
    case CtFormat::nifti_rescaled:
      volume = io::read_nifti(source.file, io::NiftiScaling::stored);
      slope = source.slope;
      intercept = source.intercept;
      break;
    case CtFormat::radchestct_npz:
      volume.array = io::read_npz_member(source.file, "ct.npy");
      volume.geometry = io::Geometry::identity(volume.array.ndim());
      break;
  }
  if (volume.array.ndim() != 3)
    throw Error("expected a 3-D CT volume").file(name).value(std::to_string(volume.array.ndim()) + " axes");
  if (source.geometry) volume.geometry = *source.geometry;
  volume.array = to_hu(volume.array, slope, intercept, name);
  return volume;
}

}  // namespace unict::data

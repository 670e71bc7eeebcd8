#include "unict/data/intensity_window.h"

#include "unict/core/error.h"

namespace unict::data {

double stored_to_hu(double stored, io::DType stored_type, double hu_min, double hu_max) {
  return stored_type == io::DType::uint8 ? hu_min + stored * (hu_max - hu_min) / 255.0 : stored;
}

IntensityWindow::IntensityWindow(io::DType stored, double hu_min, double hu_max, IntensityJitter jitter) {
  // A uint8 level l stands for hu_min + l * (hu_max - hu_min) / 255 HU.
  const bool quantised = stored == io::DType::uint8;
  const double hu_per_level = quantised ? (hu_max - hu_min) / 255.0 : 1.0, hu_at_zero = quantised ? hu_min : 0.0;
  gain_ = static_cast<float>(hu_per_level * jitter.scale / (hu_max - hu_min));
  offset_ = static_cast<float>((hu_at_zero * jitter.scale + jitter.shift_hu - hu_min) / (hu_max - hu_min));
}

void IntensityWindow::convert(const io::NdArray& stored, float* out) const {
  convert(stored.dtype, stored.bytes.data(), stored.size(), out);
}

void IntensityWindow::convert(io::DType dtype, const std::uint8_t* stored, std::size_t count, float* out) const {
  const auto run = [&](const auto* values) {
    for (std::size_t i = 0; i < count; ++i) out[i] = (*this)(static_cast<float>(values[i]));
  };
  if (dtype == io::DType::uint8) run(stored);
  else if (dtype == io::DType::int16) run(reinterpret_cast<const std::int16_t*>(stored));
  else throw internal_error("an intensity window over " + std::string(io::dtype_name(dtype)) + " voxels (int16 or uint8 expected)");
}

}  // namespace unict::data

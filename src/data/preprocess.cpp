#include "unict/data/preprocess.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <spdlog/spdlog.h>

#include "unict/core/error.h"
#include "unict/data/resample.h"

namespace unict::data {

const core::Section<PreprocessConfig>& preprocess_section() {
  static const core::Section<PreprocessConfig> section = [] {
    using core::Range;
    core::Section<PreprocessConfig> s("preprocess");
    s.key("spacing", &PreprocessConfig::spacing, std::vector<double>{1.5, 0.75, 0.75}, "target voxel spacing (z, y, x) in mm")
        .of_length(3).in_range(Range::above(0));
    s.key("size", &PreprocessConfig::size, std::vector<std::int64_t>{240, 480, 480}, "target size (z, y, x) after centre crop / pad")
        .of_length(3).in_range(Range::closed(1, 4096));
    s.key("hu_min", &PreprocessConfig::hu_min, -1000.0, "lower end of the HU window (values below are clipped)").in_range(Range::closed(-4096, 4096));
    s.key("hu_max", &PreprocessConfig::hu_max, 1000.0, "upper end of the HU window (values above are clipped)").in_range(Range::closed(-4096, 4096));
    s.key("padding_below", &PreprocessConfig::padding_below, -2000.0,
          "voxels below this HU are scanner padding outside the field of view (CT-RATE: -8192, -2048) and become pad_hu")
        .in_range(Range::closed(-100000, 0));
    s.key("pad_hu", &PreprocessConfig::pad_hu, -1000.0, "HU given to padding voxels and to voxels added by padding to size")
        .in_range(Range::closed(-4096, 4096));
    s.key("mask_threshold", &PreprocessConfig::mask_threshold, 0.5, "a resampled mask voxel is in the class at this value or above")
        .in_range({0.0, 1.0, true, false});
    s.key("storage", &PreprocessConfig::storage, std::string("int16"), "cache storage: int16 (HU, exact) or uint8 (window in 256 levels)")
        .one_of({"int16", "uint8"});
    return s;
  }();
  return section;
}

namespace {

// Wall time of the steps of one sample, for --log-level debug.
class PhaseTimer {
 public:
  void lap(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    text_ += std::string(text_.empty() ? "" : ", ") + phase + " " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count()) + " ms";
    last_ = now;
  }
  const std::string& summary() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

std::array<std::int64_t, 3> target_size(const PreprocessConfig& c) { return {c.size[0], c.size[1], c.size[2]}; }
std::array<double, 3> target_spacing(const PreprocessConfig& c) { return {c.spacing[0], c.spacing[1], c.spacing[2]}; }

// Centre crop / pad, HU window and storage type in one pass over the output (no float copy).
template <class Stored, class Convert>
io::NdArray store_cropped(const FloatVolume& v, const std::array<std::int64_t, 3>& size, io::DType dtype, Stored fill, Convert convert) {
  const auto in = shape_of(v);
  const auto offset = crop_offsets(in, size);
  io::NdArray out = io::NdArray::uninitialized(dtype, {size[0], size[1], size[2]});
  Stored* dst = reinterpret_cast<Stored*>(out.bytes.data());
  const float* src = v.array.data<float>();
  for (std::int64_t z = 0; z < size[0]; ++z) {
    const std::int64_t sz = z + offset[0];
    for (std::int64_t y = 0; y < size[1]; ++y) {
      const std::int64_t sy = y + offset[1];
      Stored* row = dst + (z * size[1] + y) * size[2];
      if (sz < 0 || sz >= in[0] || sy < 0 || sy >= in[1]) {
        std::fill(row, row + size[2], fill);
        continue;
      }
      const float* from = src + (sz * in[1] + sy) * in[2] + offset[2];
      const std::int64_t x0 = std::max<std::int64_t>(0, -offset[2]), x1 = std::min<std::int64_t>(size[2], in[2] - offset[2]);
      std::fill(row, row + std::max<std::int64_t>(x0, 0), fill);
      for (std::int64_t x = x0; x < x1; ++x) row[x] = convert(from[x]);
      std::fill(row + std::max(x1, x0), row + size[2], fill);
    }
  }
  return out;
}

// Rounds half away from zero (as std::lround) without the library call.
inline float round_half_away(float v) { return v >= 0.0f ? v + 0.5f : v - 0.5f; }

io::NdArray store(const FloatVolume& v, const std::array<std::int64_t, 3>& size, const PreprocessConfig& c) {
  const auto lo = static_cast<float>(c.hu_min), hi = static_cast<float>(c.hu_max);
  const float pad = std::clamp(static_cast<float>(c.pad_hu), lo, hi);
  if (c.storage == "uint8") {
    const float scale = 255.0f / (hi - lo);
    const auto quantise = [=](float h) { return static_cast<std::uint8_t>(round_half_away((std::clamp(h, lo, hi) - lo) * scale)); };
    return store_cropped<std::uint8_t>(v, size, io::DType::uint8, quantise(pad), quantise);
  }
  const auto exact = [=](float h) { return static_cast<std::int16_t>(round_half_away(std::clamp(h, lo, hi))); };
  return store_cropped<std::int16_t>(v, size, io::DType::int16, exact(pad), exact);
}

// Where each lesion instance (channel, id) is: the voxel of the instance nearest its centroid,
// as an LPS position. Used to keep every instance, however thin, after resampling.
std::vector<std::array<double, 3>> instance_anchors(const io::NdArray& mask, const std::vector<int>& channels, const io::Geometry& g) {
  const auto nz = mask.shape[0], ny = mask.shape[1], nx = mask.shape[2];
  const std::size_t findings = static_cast<std::size_t>(mask.shape[3]);
  const auto* m = mask.data<std::uint8_t>();
  struct Sum {
    double k = 0, j = 0, i = 0, n = 0;
    double best = 1e300;
    std::array<double, 3> anchor{};
  };
  std::map<std::pair<int, int>, Sum> sums;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::int64_t k = 0; k < nz; ++k)
      for (std::int64_t j = 0; j < ny; ++j)
        for (std::int64_t i = 0; i < nx; ++i) {
          const std::size_t v = static_cast<std::size_t>((k * ny + j) * nx + i);
          for (int ch : channels) {
            const int id = m[v * findings + static_cast<std::size_t>(ch)];
            if (!id) continue;
            Sum& s = sums[{ch, id}];
            if (pass == 0) {
              s.k += static_cast<double>(k), s.j += static_cast<double>(j), s.i += static_cast<double>(i), s.n += 1;
            } else {
              const double d = std::pow(static_cast<double>(k) - s.k / s.n, 2) + std::pow(static_cast<double>(j) - s.j / s.n, 2) +
                               std::pow(static_cast<double>(i) - s.i / s.n, 2);
              if (d < s.best) {
                s.best = d;
                const double idx[3] = {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
                for (std::size_t r = 0; r < 3; ++r) {
                  s.anchor[r] = g.origin[r];
                  for (std::size_t a = 0; a < 3; ++a) s.anchor[r] += g.direction[r * 3 + a] * g.spacing[a] * idx[a];
                }
              }
            }
          }
        }
  }
  std::vector<std::array<double, 3>> anchors;
  for (const auto& [key, s] : sums) anchors.push_back(s.anchor);
  return anchors;
}

// One class's binary mask through the same geometric steps as the CT.
std::vector<std::uint8_t> prepare_class_mask(const io::NdArray& mask, const std::vector<int>& channels, const io::Geometry& ct_geometry,
                                             const std::array<std::int64_t, 3>& resampled, const PreprocessConfig& c, core::ThreadPool* pool,
                                             const std::string& source) {
  FloatVolume m;
  m.geometry = ct_geometry;
  m.array = io::NdArray::uninitialized(io::DType::float32, {mask.shape[0], mask.shape[1], mask.shape[2]});
  float* dst = m.array.data<float>();
  const auto* src = mask.data<std::uint8_t>();
  const std::size_t findings = static_cast<std::size_t>(mask.shape[3]), voxels = m.array.size();
  for (std::size_t v = 0; v < voxels; ++v) {
    bool inside = false;
    for (int ch : channels) inside = inside || src[v * findings + static_cast<std::size_t>(ch)] != 0;
    dst[v] = inside ? 1.0f : 0.0f;
  }
  const FloatVolume out = crop_or_pad(resample_linear(to_canonical(std::move(m), source), resampled, pool), target_size(c), 0.0f);
  const float* p = out.array.data<float>();
  std::vector<std::uint8_t> binary(out.array.size(), 0);
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = p[i] >= c.mask_threshold ? 1 : 0;
  // A lesion thinner than the threshold keeps (at least) the output voxel at its anchor. The
  // output grid is canonical: axis-aligned, so positions map to indices directly.
  const auto shape = shape_of(out);
  for (const auto& anchor : instance_anchors(mask, channels, ct_geometry)) {
    std::array<std::int64_t, 3> index{};  // (z, y, x)
    bool inside = true;
    for (std::size_t a = 0; a < 3; ++a) {
      const auto idx = std::llround((anchor[a] - out.geometry.origin[a]) / out.geometry.spacing[a]);
      inside = inside && idx >= 0 && idx < shape[2 - a];
      index[2 - a] = idx;
    }
    if (inside) binary[static_cast<std::size_t>((index[0] * shape[1] + index[1]) * shape[2] + index[2])] = 1;
  }
  return binary;
}

// Mask voxels as uint8 (any integer type is accepted: instance ids are only tested for != 0).
io::NdArray mask_as_uint8(const io::NdArray& mask) {
  if (mask.dtype == io::DType::uint8) return mask;
  io::NdArray out = io::NdArray::uninitialized(io::DType::uint8, mask.shape);
  auto* o = out.data<std::uint8_t>();
  io::visit_elements(mask, [&](const auto* v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) o[i] = v[i] != 0 ? 1 : 0;
    return 0;
  });
  return out;
}

}  // namespace

PreparedVolume preprocess_sample(const Sample& sample, std::size_t classes, const PreprocessConfig& c, core::ThreadPool* pool) {
  if (c.hu_max <= c.hu_min) throw Error("empty HU window").key("preprocess.hu_max").value(std::to_string(c.hu_max)).expected("above preprocess.hu_min");
  const std::string source = sample.ct.file.string();
  PhaseTimer timer;
  FloatVolume ct = load_ct(sample.ct);
  timer.lap("read");
  const io::Geometry original_geometry = ct.geometry;
  const auto original_shape = shape_of(ct);
  float* hu = ct.array.data<float>();
  for (std::size_t i = 0, n = ct.array.size(); i < n; ++i)
    if (hu[i] < c.padding_below) hu[i] = static_cast<float>(c.pad_hu);

  FloatVolume canonical = to_canonical(std::move(ct), source);
  timer.lap("orient");
  const auto resampled = resampled_size(shape_of(canonical), spacing_zyx(canonical), target_spacing(c));
  FloatVolume resampled_ct = resample_linear(canonical, resampled, pool);
  timer.lap("resample");
  PreparedVolume out;
  out.ct = store(resampled_ct, target_size(c), c);
  out.geometry = cropped_geometry(resampled_ct.geometry, crop_offsets(shape_of(resampled_ct), target_size(c)));
  timer.lap("crop+store");
  if (sample.mask_file.empty()) {
    spdlog::debug("preprocess {}: {}", sample.name, timer.summary());
    return out;
  }

  const io::Volume mask_file = io::read_nifti(sample.mask_file, io::NiftiScaling::stored);
  const auto& ms = mask_file.array.shape;  // (z, y, x, findings)
  if (ms.size() != 4 || ms[0] != original_shape[0] || ms[1] != original_shape[1] || ms[2] != original_shape[2]) {
    std::string dims;
    for (auto it = ms.rbegin(); it != ms.rend(); ++it) dims += (dims.empty() ? "" : ", ") + std::to_string(*it);
    throw Error("mask shape differs from its CT").file(sample.mask_file.string()).value("(" + dims + ")")
        .expected("(findings, " + std::to_string(original_shape[2]) + ", " + std::to_string(original_shape[1]) + ", " +
                  std::to_string(original_shape[0]) + ") to match " + source);
  }
  const io::NdArray mask = mask_as_uint8(mask_file.array);
  out.masks.resize(classes);
  for (std::size_t k = 0; k < classes; ++k) {
    const auto& channels = k < sample.class_channels.size() ? sample.class_channels[k] : std::vector<int>{};
    for (int ch : channels)
      if (ch < 0 || ch >= ms[3]) throw Error("mask has no channel for a finding").file(sample.mask_file.string()).value(std::to_string(ch));
    if (channels.empty()) {
      out.masks[k].assign(out.ct.size(), 0);
      continue;
    }
    out.masks[k] = prepare_class_mask(mask, channels, original_geometry, resampled, c, pool, sample.mask_file.string());
  }
  timer.lap("masks");
  spdlog::debug("preprocess {}: {}", sample.name, timer.summary());
  return out;
}

}  // namespace unict::data

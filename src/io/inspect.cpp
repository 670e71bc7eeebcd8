#include "unict/io/inspect.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/io/nifti.h"
#include "unict/io/npy.h"

namespace unict::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

json array_statistics(const NdArray& a) {
  return visit_elements(a, [](const auto* v, std::size_t n) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
    std::size_t nan = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(v[i]);
      if (std::isnan(x)) {
        ++nan;
        continue;
      }
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      sum += x;
    }
    json s;
    const std::size_t counted = n - nan;
    s["min"] = counted ? json(lo) : json();
    s["max"] = counted ? json(hi) : json();
    s["mean"] = counted ? json(sum / static_cast<double>(counted)) : json();
    s["sum"] = sum;
    if (nan) s["nan_voxels"] = nan;
    return s;
  });
}

namespace {

// Non-zero voxels per index of the file's first axis, given where that axis is in C order.
json nonzero_per_index(const NdArray& a, bool first_axis_is_last_in_memory) {
  const std::size_t axis = first_axis_is_last_in_memory ? a.ndim() - 1 : 0;
  const std::size_t extent = static_cast<std::size_t>(a.shape[axis]);
  std::vector<std::int64_t> counts(extent, 0);
  visit_elements(a, [&](const auto* v, std::size_t n) {
    const std::size_t block = first_axis_is_last_in_memory ? 1 : n / std::max<std::size_t>(extent, 1);
    for (std::size_t i = 0; i < n; ++i)
      if (v[i] != 0) ++counts[first_axis_is_last_in_memory ? i % extent : i / block];
    return 0;
  });
  return counts;
}

}  // namespace

json inspect_file(const fs::path& file, const std::string& member) {
  const std::string name = file.string();
  json out;
  out["file"] = name;
  NdArray array;
  std::vector<std::int64_t> shape;
  bool nifti = false;
  if (ends_with(name, ".nii.gz") || ends_with(name, ".nii")) {
    Volume v = read_nifti(file, NiftiScaling::stored);
    shape = v.dims();
    out["spacing"] = v.geometry.spacing;
    out["origin"] = v.geometry.origin;
    out["direction"] = v.geometry.direction;
    const NiftiInfo info = read_nifti_info(file);
    if (info.scale_slope != 0 && !(info.scale_slope == 1 && info.scale_intercept == 0))
      out["scaling"] = {{"slope", info.scale_slope}, {"intercept", info.scale_intercept}, {"note", "statistics are of the stored values"}};
    array = std::move(v.array);
    nifti = true;
  } else if (ends_with(name, ".npy")) {
    array = read_npy(file);
    shape = array.shape;
  } else if (ends_with(name, ".npz")) {
    std::string chosen = member;
    if (chosen.empty()) {
      const auto members = npz_members(file);
      if (members.size() != 1) {
        std::string list;
        for (const auto& m : members) list += (list.empty() ? "" : ", ") + m;
        throw Error("the archive has several members: name one").file(name).expected("--member with one of: " + list);
      }
      chosen = members.front();
    }
    array = read_npz_member(file, chosen);
    shape = array.shape;
    out["member"] = chosen;
  } else {
    throw Error("unknown volume file type").file(name).expected(".nii, .nii.gz, .npy or .npz");
  }
  out["dtype"] = std::string(dtype_name(array.dtype));
  out["shape"] = shape;
  out.update(array_statistics(array));
  if (array.ndim() == 4) out["nonzero_per_first_axis_index"] = nonzero_per_index(array, nifti);
  return out;
}

}  // namespace unict::io

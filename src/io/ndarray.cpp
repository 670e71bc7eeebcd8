#include "unict/io/ndarray.h"

#include <cstring>
#include <limits>

namespace unict::io {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::boolean:
    case DType::uint8:
    case DType::int8: return 1;
    case DType::uint16:
    case DType::int16: return 2;
    case DType::uint32:
    case DType::int32:
    case DType::float32: return 4;
    case DType::int64:
    case DType::float64: return 8;
  }
  return 0;
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::boolean: return "bool";
    case DType::uint8: return "uint8";
    case DType::int8: return "int8";
    case DType::uint16: return "uint16";
    case DType::int16: return "int16";
    case DType::uint32: return "uint32";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::float32: return "float32";
    case DType::float64: return "float64";
  }
  return "?";
}

std::size_t element_count(const std::vector<std::int64_t>& shape) {
  std::size_t count = 1;
  for (auto extent : shape) {
    if (extent < 0) throw Error("negative array extent").value(std::to_string(extent));
    if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / static_cast<std::size_t>(extent))
      throw Error("array too large").value(std::to_string(extent));
    count *= static_cast<std::size_t>(extent);
  }
  return count;
}

NdArray::NdArray(DType type, std::vector<std::int64_t> dims)
    : dtype(type), shape(std::move(dims)), bytes(element_count(shape) * dtype_size(type), 0) {}

NdArray NdArray::uninitialized(DType type, std::vector<std::int64_t> dims) {
  NdArray a;
  a.dtype = type;
  a.shape = std::move(dims);
  a.bytes.resize(element_count(a.shape) * dtype_size(type));  // default-initialised: not zeroed
  return a;
}

std::size_t NdArray::size() const { return element_count(shape); }

void NdArray::check_type(DType wanted) const {
  if (wanted != dtype)
    throw internal_error("array element type mismatch").value(std::string(dtype_name(dtype))).expected(std::string(dtype_name(wanted)));
}

namespace {
template <class T> double load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}
}  // namespace

double NdArray::value_at(std::size_t i) const {
  const std::uint8_t* p = bytes.data() + i * dtype_size(dtype);
  switch (dtype) {
    case DType::boolean: return *p != 0 ? 1.0 : 0.0;
    case DType::uint8: return load<std::uint8_t>(p);
    case DType::int8: return load<std::int8_t>(p);
    case DType::uint16: return load<std::uint16_t>(p);
    case DType::int16: return load<std::int16_t>(p);
    case DType::uint32: return load<std::uint32_t>(p);
    case DType::int32: return load<std::int32_t>(p);
    case DType::int64: return load<std::int64_t>(p);
    case DType::float32: return load<float>(p);
    case DType::float64: return load<double>(p);
  }
  return 0;
}

NdArray reverse_axes(const NdArray& source) {
  const std::size_t n = source.ndim();
  NdArray out;
  out.dtype = source.dtype;
  out.shape.assign(source.shape.rbegin(), source.shape.rend());
  out.bytes.resize(source.bytes.size());
  const std::size_t item = dtype_size(source.dtype);
  const std::size_t count = source.size();
  if (n <= 1 || count == 0) {
    out.bytes = source.bytes;
    return out;
  }
  // Source strides (in elements, C order); output axis a is source axis n-1-a.
  std::vector<std::size_t> source_stride(n, 1);
  for (std::size_t a = n - 1; a > 0; --a) source_stride[a - 1] = source_stride[a] * static_cast<std::size_t>(source.shape[a]);
  std::vector<std::size_t> stride_for_out_axis(n);
  for (std::size_t a = 0; a < n; ++a) stride_for_out_axis[a] = source_stride[n - 1 - a];

  // Walk the output in C order, keeping the matching source offset up to date (an odometer).
  std::vector<std::int64_t> index(n, 0);
  std::size_t source_offset = 0;
  const std::size_t inner = static_cast<std::size_t>(out.shape[n - 1]);
  const std::size_t inner_stride = stride_for_out_axis[n - 1];
  std::uint8_t* dst = out.bytes.data();
  const std::uint8_t* src = source.bytes.data();
  for (std::size_t done = 0; done < count; done += inner) {
    for (std::size_t k = 0; k < inner; ++k) std::memcpy(dst + (done + k) * item, src + (source_offset + k * inner_stride) * item, item);
    for (std::size_t a = n - 1; a-- > 0;) {  // advance the outer axes
      source_offset += stride_for_out_axis[a];
      if (++index[a] < out.shape[a]) break;
      source_offset -= stride_for_out_axis[a] * static_cast<std::size_t>(out.shape[a]);
      index[a] = 0;
    }
  }
  return out;
}

}  // namespace unict::io

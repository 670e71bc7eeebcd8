// A typed n-dimensional array in C (row-major) order: the common currency of the io layer's
// readers and writers. No LibTorch here: io is fast to compile and fuzzable on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "unict/core/error.h"
#include "unict/core/huge_page_allocator.h"

namespace unict::io {

enum class DType : std::uint8_t { boolean, uint8, int8, uint16, int16, uint32, int32, int64, float32, float64 };

std::size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);  // numpy's names: "bool", "uint8", "int16", "float32", ...

template <class T> constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, bool>) return DType::boolean;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return DType::uint8;
  else if constexpr (std::is_same_v<T, std::int8_t>) return DType::int8;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return DType::uint16;
  else if constexpr (std::is_same_v<T, std::int16_t>) return DType::int16;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return DType::uint32;
  else if constexpr (std::is_same_v<T, std::int32_t>) return DType::int32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return DType::int64;
  else if constexpr (std::is_same_v<T, float>) return DType::float32;
  else if constexpr (std::is_same_v<T, double>) return DType::float64;
  else static_assert(sizeof(T) == 0, "no DType for this element type");
}

struct NdArray {
  DType dtype = DType::uint8;
  std::vector<std::int64_t> shape;  // last axis varies fastest in `bytes`
  core::BigVector<std::uint8_t> bytes;  // element data, little-endian (the machine's order)

  NdArray() = default;
  NdArray(DType type, std::vector<std::int64_t> dims);  // zero-filled
  // Elements left unset, for code that writes every element (saves a pass over large volumes).
  static NdArray uninitialized(DType type, std::vector<std::int64_t> dims);

  std::size_t size() const;  // number of elements
  std::size_t ndim() const { return shape.size(); }

  // Typed views; throw an internal Error when T does not match dtype.
  template <class T> T* data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(bytes.data());
  }
  template <class T> const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(bytes.data());
  }

  // Element i (C order) converted to double, whatever the dtype.
  double value_at(std::size_t i) const;

 private:
  void check_type(DType wanted) const;
};

// Calls f(const T* data, std::size_t count) with the array's elements as their own type T.
template <class F>
decltype(auto) visit_elements(const NdArray& a, F&& f) {
  const std::size_t n = a.size();
  switch (a.dtype) {
    case DType::boolean:
    case DType::uint8: return f(reinterpret_cast<const std::uint8_t*>(a.bytes.data()), n);
    case DType::int8: return f(reinterpret_cast<const std::int8_t*>(a.bytes.data()), n);
    case DType::uint16: return f(reinterpret_cast<const std::uint16_t*>(a.bytes.data()), n);
    case DType::int16: return f(reinterpret_cast<const std::int16_t*>(a.bytes.data()), n);
    case DType::uint32: return f(reinterpret_cast<const std::uint32_t*>(a.bytes.data()), n);
    case DType::int32: return f(reinterpret_cast<const std::int32_t*>(a.bytes.data()), n);
    case DType::int64: return f(reinterpret_cast<const std::int64_t*>(a.bytes.data()), n);
    case DType::float32: return f(reinterpret_cast<const float*>(a.bytes.data()), n);
    case DType::float64: return f(reinterpret_cast<const double*>(a.bytes.data()), n);
  }
  throw internal_error("unknown dtype");
}

// The product of `shape`; throws Error on a negative or overflowing extent.
std::size_t element_count(const std::vector<std::int64_t>& shape);

// Reverses the axis order of an array: element (i0, ..., in) of `source` becomes element
// (in, ..., i0) of the result. Turns Fortran-ordered bytes into C order and back.
NdArray reverse_axes(const NdArray& source);

}  // namespace unict::io

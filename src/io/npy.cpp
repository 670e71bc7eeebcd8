#include "unict/io/npy.h"

#include <zip.h>

#include <cstring>
#include <memory>

#include "unict/core/atomic_file.h"

namespace unict::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

struct DescrName {
  const char* descr;
  DType dtype;
};
// '<' little-endian, '|' byte order irrelevant; '=' (native) is little-endian on our targets.
constexpr DescrName kDescrs[] = {
    {"|b1", DType::boolean}, {"|u1", DType::uint8},   {"|i1", DType::int8},    {"<u2", DType::uint16},
    {"<i2", DType::int16},   {"<u4", DType::uint32},  {"<i4", DType::int32},   {"<i8", DType::int64},
    {"<f4", DType::float32}, {"<f8", DType::float64},
};

std::string descr_of(DType dtype) {
  for (const auto& d : kDescrs)
    if (d.dtype == dtype) return d.descr;
  throw internal_error("no npy descr for dtype").value(std::string(dtype_name(dtype)));
}

DType dtype_of_descr(std::string descr, const std::string& source) {
  if (descr.size() == 3 && descr[0] == '=') descr[0] = '<';
  if (descr.size() == 3 && (descr[1] == 'u' || descr[1] == 'i' || descr[1] == 'b') && descr[2] == '1') descr[0] = '|';
  for (const auto& d : kDescrs)
    if (descr == d.descr) return d.dtype;
  throw Error("unsupported array dtype").file(source).value(descr).expected("one of |b1 |u1 |i1 <u2 <i2 <u4 <i4 <i8 <f4 <f8 (little-endian)");
}

// The text after `key` in the header dict, e.g. for 'descr' the part after "'descr':".
std::string value_after(const std::string& dict, const std::string& key, const std::string& source) {
  const auto at = dict.find("'" + key + "'");
  if (at == std::string::npos) throw Error("npy header lacks '" + key + "'").file(source).value(dict);
  auto colon = dict.find(':', at);
  if (colon == std::string::npos) throw Error("malformed npy header").file(source).value(dict);
  auto start = dict.find_first_not_of(' ', colon + 1);
  return start == std::string::npos ? std::string() : dict.substr(start);
}

std::vector<std::int64_t> parse_shape(const std::string& text, const std::string& source) {
  if (text.empty() || text[0] != '(') throw Error("malformed npy shape").file(source).value(text.substr(0, 40));
  const auto close = text.find(')');
  if (close == std::string::npos) throw Error("malformed npy shape").file(source).value(text.substr(0, 40));
  std::vector<std::int64_t> shape;
  std::size_t i = 1;
  while (i < close) {
    while (i < close && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= close) break;
    std::size_t end = i;
    while (end < close && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == i) throw Error("malformed npy shape").file(source).value(text.substr(0, close + 1));
    // 18 digits always fit an int64 (std::stoll would throw std::out_of_range past it; found by fuzzing).
    if (end - i > 18) throw Error("npy shape extent too large").file(source).value(text.substr(i, end - i));
    shape.push_back(std::stoll(text.substr(i, end - i)));
    i = end;
  }
  return shape;
}

// Reads exactly `size` bytes or reports how many were available.
template <class Read>
void read_exactly(Read&& read, void* into, std::size_t size, const std::string& source, const char* what) {
  std::size_t got = 0;
  auto* bytes = static_cast<std::uint8_t*>(into);
  while (got < size) {
    const std::size_t n = read(bytes + got, size - got);
    if (n == 0) break;
    got += n;
  }
  if (got != size)
    throw Error(std::string("truncated ") + what).file(source).expected(std::to_string(size) + " bytes, found " + std::to_string(got));
}

// Shared by .npy files and .npz members: the header, then the data straight into the array.
template <class Read>
NdArray read_npy_stream(Read&& read, const std::string& source, std::size_t total_size) {
  std::string head(10, '\0');
  read_exactly(read, head.data(), head.size(), source, "npy header");
  if (head.compare(0, kMagicSize, kMagic, kMagicSize) != 0) throw Error("not a .npy array (bad magic bytes)").file(source);
  const int major = static_cast<unsigned char>(head[6]);
  std::size_t header_length = 0;
  std::size_t prefix = 10;
  if (major == 1) {
    header_length = static_cast<unsigned char>(head[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(head[9])) << 8);
  } else if (major == 2 || major == 3) {
    head.resize(12);
    read_exactly(read, head.data() + 10, 2, source, "npy header");
    for (int b = 3; b >= 0; --b) header_length = (header_length << 8) | static_cast<unsigned char>(head[8 + b]);
    prefix = 12;
  } else {
    throw Error("unsupported npy format version").file(source).value(std::to_string(major)).expected("1, 2 or 3");
  }
  if (header_length > (1u << 24)) throw Error("npy header too large").file(source).value(std::to_string(header_length));
  head.resize(prefix + header_length);
  read_exactly(read, head.data() + prefix, header_length, source, "npy header");
  const NpyHeader header = parse_npy_header(head, source);

  const std::size_t count = element_count(header.shape);
  const std::size_t data_size = count * dtype_size(header.dtype);
  if (total_size != std::string::npos && total_size != header.data_offset + data_size) {
    throw Error(total_size < header.data_offset + data_size ? "truncated npy data" : "npy data longer than its shape")
        .file(source)
        .expected(std::to_string(data_size) + " data bytes for shape and dtype, found " +
                  std::to_string(total_size - std::min(total_size, header.data_offset)));
  }
  NdArray array;
  array.dtype = header.dtype;
  // Fortran order: the bytes are a C-order array with the axes reversed.
  array.shape = header.fortran_order ? std::vector<std::int64_t>(header.shape.rbegin(), header.shape.rend()) : header.shape;
  array.bytes.resize(data_size);
  read_exactly(read, array.bytes.data(), data_size, source, "npy data");
  if (header.dtype == DType::boolean) {
    for (auto& b : array.bytes)
      if (b > 1) throw Error("invalid bool value in array").file(source).value(std::to_string(b)).expected("0 or 1");
  }
  return header.fortran_order ? reverse_axes(array) : array;
}

std::string zip_error_text(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;

ZipHandle open_zip(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw Error("cannot open: no such file").file(file.string());
  int code = 0;
  zip_t* z = zip_open(file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!z) throw Error("not a readable .npz (zip) archive: " + zip_error_text(code)).file(file.string());
  return ZipHandle(z);
}

}  // namespace

NpyHeader parse_npy_header(const std::string& head, const std::string& source) {
  const auto open = head.find('{');
  const auto close = head.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) throw Error("malformed npy header").file(source);
  const std::string dict = head.substr(open, close - open + 1);
  NpyHeader header;
  std::string descr = value_after(dict, "descr", source);
  if (descr.empty() || (descr[0] != '\'' && descr[0] != '"')) throw Error("unsupported npy descr (structured dtype?)").file(source).value(descr.substr(0, 40));
  const auto end_quote = descr.find(descr[0], 1);
  header.dtype = dtype_of_descr(descr.substr(1, end_quote - 1), source);
  const std::string fortran = value_after(dict, "fortran_order", source);
  if (fortran.rfind("True", 0) == 0) header.fortran_order = true;
  else if (fortran.rfind("False", 0) == 0) header.fortran_order = false;
  else throw Error("malformed npy fortran_order").file(source).value(fortran.substr(0, 10));
  header.shape = parse_shape(value_after(dict, "shape", source), source);
  header.data_offset = head.size();
  return header;
}

NdArray parse_npy(const std::string& bytes, const std::string& source) {
  std::size_t position = 0;
  auto read = [&](std::uint8_t* into, std::size_t n) {
    const std::size_t take = std::min(n, bytes.size() - position);
    std::memcpy(into, bytes.data() + position, take);
    position += take;
    return take;
  };
  return read_npy_stream(read, source, bytes.size());
}

std::string encode_npy(const NdArray& array, bool fortran_order) {
  std::string shape = "(";
  for (std::size_t i = 0; i < array.shape.size(); ++i) shape += std::to_string(array.shape[i]) + (array.shape.size() == 1 || i + 1 < array.shape.size() ? "," : "");
  shape += ")";
  std::string dict = "{'descr': '" + descr_of(array.dtype) + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes, ending with a newline.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  if (dict.size() > 65535) throw internal_error("npy header too long for format 1.0");
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  out += dict;
  if (fortran_order && array.ndim() > 1) {
    const NdArray reversed = reverse_axes(array);
    out.append(reinterpret_cast<const char*>(reversed.bytes.data()), reversed.bytes.size());
  } else {
    out.append(reinterpret_cast<const char*>(array.bytes.data()), array.bytes.size());
  }
  return out;
}

NdArray read_npy(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error("cannot open: " + ec.message()).file(file.string());
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!f) throw Error("cannot open: " + system_reason(errno)).file(file.string());
  auto read = [&](std::uint8_t* into, std::size_t n) { return std::fread(into, 1, n, f.get()); };
  return read_npy_stream(read, file.string(), static_cast<std::size_t>(size));
}

void write_npy(const std::filesystem::path& file, const NdArray& array, bool fortran_order) {
  core::write_file_atomic(file, encode_npy(array, fortran_order));
}

std::vector<std::string> npz_members(const std::filesystem::path& file) {
  ZipHandle zip = open_zip(file);
  std::vector<std::string> names;
  const zip_int64_t count = zip_get_num_entries(zip.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) names.emplace_back(zip_get_name(zip.get(), static_cast<zip_uint64_t>(i), 0));
  return names;
}

NdArray read_npz_member(const std::filesystem::path& file, const std::string& member) {
  ZipHandle zip = open_zip(file);
  const std::string with_suffix = member.size() >= 4 && member.compare(member.size() - 4, 4, ".npy") == 0 ? member : member + ".npy";
  zip_int64_t index = zip_name_locate(zip.get(), with_suffix.c_str(), 0);
  if (index < 0) {
    std::string members;
    const zip_int64_t count = zip_get_num_entries(zip.get(), 0);
    for (zip_int64_t i = 0; i < count; ++i) members += std::string(i ? ", " : "") + zip_get_name(zip.get(), static_cast<zip_uint64_t>(i), 0);
    throw Error("no member '" + with_suffix + "' in the archive").file(file.string()).expected("one of its members: " + (members.empty() ? "(none)" : members));
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(zip.get(), static_cast<zip_uint64_t>(index), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw Error("cannot read the archive entry").file(file.string()).value(with_suffix);
  zip_file_t* entry = zip_fopen_index(zip.get(), static_cast<zip_uint64_t>(index), 0);
  if (!entry) throw Error(std::string("cannot open the archive entry: ") + zip_strerror(zip.get())).file(file.string()).value(with_suffix);
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> closer(entry, zip_fclose);
  const std::string source = file.string() + ":" + with_suffix;
  auto read = [&](std::uint8_t* into, std::size_t n) -> std::size_t {
    const zip_int64_t got = zip_fread(entry, into, n);
    if (got < 0) throw Error(std::string("corrupt archive entry: ") + zip_file_strerror(entry)).file(source);
    return static_cast<std::size_t>(got);
  };
  return read_npy_stream(read, source, static_cast<std::size_t>(stat.size));
}

// The archive is built in memory and written with write_file_atomic. Opening a file source for
// writing lets libzip decide from a stat of the temporary whether it is writable, and a rare
// failure there turned a fresh archive read-only mid-write ("Read-only archive"); a buffer source is
// always writable and keeps the file's atomic commit in one place.
void write_npz(const std::filesystem::path& file, const std::vector<NpzEntry>& entries, bool compress) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* raw = buffer ? zip_open_from_source(buffer, ZIP_TRUNCATE, &error) : nullptr;
  const int code = zip_error_code_zip(&error);
  zip_error_fini(&error);
  if (!raw) {
    if (buffer) zip_source_free(buffer);
    throw Error("cannot create the archive in memory: " + zip_error_text(code)).file(file.string());
  }
  zip_source_keep(buffer);  // the archive's bytes are read back from it after zip_close
  std::unique_ptr<zip_source_t, void (*)(zip_source_t*)> buffer_owner(buffer, zip_source_free);
  ZipHandle zip(raw);
  std::vector<std::string> payloads;  // must outlive zip_close
  payloads.reserve(entries.size());
  for (const auto& e : entries) {
    payloads.push_back(encode_npy(*e.array, e.fortran_order));
    const std::string name = e.name.size() >= 4 && e.name.compare(e.name.size() - 4, 4, ".npy") == 0 ? e.name : e.name + ".npy";
    zip_source_t* src = zip_source_buffer(zip.get(), payloads.back().data(), payloads.back().size(), 0);
    if (!src) throw Error(std::string("cannot add to the archive: ") + zip_strerror(zip.get())).file(file.string());
    const zip_int64_t index = zip_file_add(zip.get(), name.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(src);
      throw Error(std::string("cannot add to the archive: ") + zip_strerror(zip.get())).file(file.string()).value(name);
    }
    zip_set_file_compression(zip.get(), static_cast<zip_uint64_t>(index), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (zip_close(zip.get()) != 0) throw Error(std::string("cannot write the archive: ") + zip_strerror(zip.get())).file(file.string());
  zip.release();

  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_source_stat(buffer, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE) || zip_source_open(buffer) != 0)
    throw Error(std::string("cannot read back the archive built in memory: ") + zip_error_strerror(zip_source_error(buffer))).file(file.string());
  std::string bytes(static_cast<std::size_t>(stat.size), '\0');
  const zip_int64_t got = zip_source_read(buffer, bytes.data(), bytes.size());
  zip_source_close(buffer);
  if (got < 0 || static_cast<zip_uint64_t>(got) != stat.size)
    throw Error("cannot read back the archive built in memory: short read").file(file.string());
  core::write_file_atomic(file, bytes);
}

}  // namespace unict::io

#include "unict/data/cache_item.h"

#include <algorithm>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

#include "unict/core/atomic_file.h"
#include "unict/core/checksum.h"
#include "unict/core/error.h"
#include "unict/io/inspect.h"

namespace unict::data {
namespace {

constexpr char kMagic[] = "UNICT-CACHE\n";
constexpr std::size_t kMagicSize = 12;
constexpr std::size_t kPrefixSize = 32;  // magic, version, header length, checksum

// The items whose checksum this process has verified, by file identity. The loader maps an item
// for every batch it is in; the bytes are checked on the first map only. A file replaced since
// has another inode, size or time, and is checked again.
class VerifiedItems {
 public:
  static VerifiedItems& instance() {
    static VerifiedItems items;
    return items;
  }
  using Identity = std::tuple<dev_t, ino_t, off_t, std::int64_t>;
  static Identity identity(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_size, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  bool contains(const Identity& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return verified_.count(id) > 0;
  }
  void add(const Identity& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    verified_.insert(id);
  }

 private:
  std::mutex mutex_;
  std::set<Identity> verified_;
};

template <class T> void append_le(std::string& out, T value) {
  for (std::size_t b = 0; b < sizeof(T); ++b) out += static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * b)) & 0xff);
}
template <class T> T read_le(const unsigned char* p) {
  std::uint64_t v = 0;
  for (std::size_t b = 0; b < sizeof(T); ++b) v |= static_cast<std::uint64_t>(p[b]) << (8 * b);
  return static_cast<T>(v);
}

}  // namespace

std::vector<std::uint8_t> pack_bits(const std::vector<std::uint8_t>& values) {
  std::vector<std::uint8_t> packed((values.size() + 7) / 8, 0);
  for (std::size_t v = 0; v < values.size(); ++v)
    if (values[v]) packed[v / 8] = static_cast<std::uint8_t>(packed[v / 8] | (1u << (v % 8)));
  return packed;
}

std::vector<std::uint8_t> unpack_bits(const std::uint8_t* packed, std::size_t count) {
  std::vector<std::uint8_t> values(count);
  for (std::size_t v = 0; v < count; ++v) values[v] = (packed[v / 8] >> (v % 8)) & 1u;
  return values;
}

void write_cache_item(const std::filesystem::path& file, const Sample& sample, const std::vector<std::string>& class_names,
                      const PreparedVolume& prepared, const PreprocessConfig& config) {
  CacheHeader h;
  h.name = sample.name;
  h.patient = sample.patient;
  h.shape = prepared.ct.shape;
  h.dtype = prepared.ct.dtype;
  h.storage = config.storage;
  h.hu_min = config.hu_min;
  h.hu_max = config.hu_max;
  const auto& g = prepared.geometry;
  h.spacing_zyx = {g.spacing.at(2), g.spacing.at(1), g.spacing.at(0)};
  h.origin_xyz = {g.origin.at(0), g.origin.at(1), g.origin.at(2)};
  h.classes = class_names;
  h.has_mask = !prepared.masks.empty();
  h.labels = sample.labels;
  h.report = sample.report;
  h.source_split = sample.source_split;
  std::string header = to_json(h).dump();
  const std::size_t unpadded = kPrefixSize + header.size();
  header += std::string((64 - unpadded % 64) % 64, ' ');
  std::vector<std::vector<std::uint8_t>> packed_masks;
  for (const auto& mask : prepared.masks) packed_masks.push_back(pack_bits(mask));
  std::uint32_t crc = core::crc32(header);
  crc = core::crc32(prepared.ct.bytes.data(), prepared.ct.bytes.size(), crc);
  for (const auto& packed : packed_masks) crc = core::crc32(packed.data(), packed.size(), crc);

  std::string head(kMagic, kMagicSize);
  append_le<std::uint32_t>(head, kCacheItemFormat);
  append_le<std::uint64_t>(head, header.size());
  append_le<std::uint64_t>(head, crc);
  head += header;
  core::AtomicFile out(file);
  out.write(head);
  out.write(prepared.ct.bytes.data(), prepared.ct.bytes.size());
  for (const auto& packed : packed_masks) out.write(packed.data(), packed.size());
  out.commit();
}

struct MappedFile {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  ~MappedFile() {
    if (data) ::munmap(const_cast<std::uint8_t*>(data), size);
  }
};

MappedCacheItem map_cache_item(const std::filesystem::path& file) {
  const std::string name = file.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open: " + system_reason(errno)).file(name);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error("cannot read: " + system_reason(errno)).file(name);
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < kPrefixSize) {
    ::close(fd);
    throw Error("not a UniCT cache item").file(name);
  }
  // MAP_POPULATE maps the whole (page-cached) file at once instead of faulting page by page.
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw Error("cannot map: " + system_reason(errno)).file(name);
  auto mapping = std::make_shared<MappedFile>();
  mapping->data = static_cast<const std::uint8_t*>(p);
  mapping->size = size;
  const std::uint8_t* bytes = mapping->data;
  if (std::memcmp(bytes, kMagic, kMagicSize) != 0) throw Error("not a UniCT cache item").file(name);
  const auto version = read_le<std::uint32_t>(bytes + 12);
  if (version != kCacheItemFormat)
    throw Error("cache item of another format version").file(name).value(std::to_string(version)).expected(std::to_string(kCacheItemFormat))
        .hint("run `unict prepare` again: a new cache folder is made");
  const auto header_size = read_le<std::uint64_t>(bytes + 16);
  if (header_size > size - kPrefixSize) throw Error("truncated cache item (header)").file(name);
  // Every byte after the prefix, before anything is read from it: a damaged item is never parsed
  // or trained on.
  const auto identity = VerifiedItems::identity(st);
  if (!VerifiedItems::instance().contains(identity)) {
    const auto stored = read_le<std::uint64_t>(bytes + 24);
    if (stored != core::crc32(bytes + kPrefixSize, size - kPrefixSize))
      throw Error("damaged cache item: its checksum does not match its bytes (modified, truncated or partly overwritten)")
          .file(name)
          .hint("delete it and run `unict prepare` again");
    VerifiedItems::instance().add(identity);
  }
  MappedCacheItem item;
  try {
    item.header = cache_header_from_json(nlohmann::json::parse(bytes + kPrefixSize, bytes + kPrefixSize + header_size));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("corrupt cache item header: ") + e.what()).file(name);
  }
  const auto& header = item.header;
  const std::size_t voxels = io::element_count(header.shape);
  const std::size_t ct_bytes = voxels * io::dtype_size(header.dtype);
  item.mask_stride = (voxels + 7) / 8;
  const std::size_t mask_bytes = header.has_mask ? header.classes.size() * item.mask_stride : 0;
  if (kPrefixSize + header_size + ct_bytes + mask_bytes != size)
    throw Error("truncated or oversized cache item")
        .file(name)
        .expected(std::to_string(kPrefixSize + header_size + ct_bytes + mask_bytes) + " bytes, found " + std::to_string(size));
  item.ct = bytes + kPrefixSize + header_size;
  if (header.has_mask) item.packed_masks = item.ct + ct_bytes;
  item.mapping = std::move(mapping);
  return item;
}

CacheItem read_cache_item(const std::filesystem::path& file, bool with_masks) {
  const MappedCacheItem mapped = map_cache_item(file);
  CacheItem item;
  item.header = mapped.header;
  item.ct = io::NdArray::uninitialized(mapped.header.dtype, mapped.header.shape);
  std::memcpy(item.ct.bytes.data(), mapped.ct, item.ct.bytes.size());
  if (with_masks && mapped.packed_masks)
    for (std::size_t c = 0; c < mapped.header.classes.size(); ++c)
      item.masks.push_back(unpack_bits(mapped.packed_masks + c * mapped.mask_stride, item.ct.size()));
  return item;
}

nlohmann::json inspect_cache_item(const std::filesystem::path& file) {
  const CacheItem item = read_cache_item(file, true);
  nlohmann::json out = to_json(item.header);
  out["file"] = file.string();
  out.update(io::array_statistics(item.ct));
  nlohmann::json voxels = nlohmann::json::array();
  for (const auto& m : item.masks) voxels.push_back(std::count(m.begin(), m.end(), 1));
  if (!item.masks.empty()) out["mask_voxels_per_class"] = voxels;
  return out;
}

}  // namespace unict::data

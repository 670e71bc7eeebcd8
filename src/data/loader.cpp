#include "unict/data/loader.h"

#include <torch/torch.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "unict/core/error.h"
#include "unict/core/seed.h"
#include "unict/data/augmentation.h"
#include "unict/data/cache_item.h"
#include "unict/data/intensity_window.h"
#include "unict/io/json.h"

namespace unict::data {

std::vector<LoaderItem> cache_items(const std::filesystem::path& folder, const std::vector<std::string>& only_names) {
  const auto manifest = io::read_json(folder / "manifest.json");
  std::vector<LoaderItem> items;
  for (const auto& entry : manifest.at("items")) {
    const std::string name = entry.at("name");
    if (!only_names.empty() && std::find(only_names.begin(), only_names.end(), name) == only_names.end()) continue;
    items.push_back({folder / entry.at("file").get<std::string>(), name, {}});
  }
  return items;
}

class BatchLoader::Impl {
 public:
  Impl(const std::vector<LoaderItem>& items, std::int64_t batch_size, LoaderConfig config, std::uint64_t seed, std::string device,
       Tokenize tokenize, Shard shard)
      : items_(items), batch_size_(batch_size), config_(std::move(config)), seed_(seed), device_(device),
        pin_(device_.is_cuda()), tokenize_(std::move(tokenize)), shard_(shard) {
    if (batch_size_ < 1) throw Error("batch size must be at least 1").key("train.batch_size").value(std::to_string(batch_size_));
    if (shard_.world < 1 || shard_.rank < 0 || shard_.rank >= shard_.world) throw internal_error("BatchLoader: a shard outside its world");
    const std::int64_t global = batch_size_ * shard_.world;
    total_ = (static_cast<std::int64_t>(items_.size()) + global - 1) / global;
    for (std::int64_t w = 0; w < config_.workers; ++w) workers_.emplace_back([this] { work(); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_workers_.notify_all();
    for (auto& w : workers_) w.join();
  }

  std::int64_t total() const { return total_; }

  void start_epoch(std::int64_t epoch, std::int64_t first_batch) {
    if (first_batch < 0 || first_batch > total_) throw internal_error("BatchLoader::start_epoch: first batch out of range");
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
    epoch_ = epoch;
    // A new vector per epoch, shared by the batches built from it (builders hold it by pointer).
    auto order = std::make_shared<std::vector<std::size_t>>(items_.size());
    for (std::size_t i = 0; i < order->size(); ++i) (*order)[i] = i;
    if (config_.shuffle) {
      core::Rng rng(seed_, "loader-order", {static_cast<std::uint64_t>(epoch)});
      rng.shuffle(*order);
    }
    order_ = std::move(order);
    next_to_build_ = next_to_deliver_ = first_batch;
    ready_.clear();
    failures_.clear();
    started_ = true;
    wake_workers_.notify_all();
  }

  std::optional<Batch> next() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!started_) throw internal_error("BatchLoader::next before start_epoch");
    if (next_to_deliver_ >= total_) return std::nullopt;
    Batch batch;
    if (workers_.empty()) {
      const std::int64_t index = next_to_deliver_++;
      const auto order = order_;
      const std::int64_t epoch = epoch_;
      lock.unlock();
      batch = build(index, epoch, *order);
    } else {
      batch_ready_.wait(lock, [&] { return ready_.count(next_to_deliver_) || failures_.count(next_to_deliver_); });
      if (const auto failed = failures_.find(next_to_deliver_); failed != failures_.end()) std::rethrow_exception(failed->second);
      batch = std::move(ready_.at(next_to_deliver_));
      ready_.erase(next_to_deliver_++);
      wake_workers_.notify_all();
      lock.unlock();
    }
    if (device_.is_cuda() && batch.ct.defined()) {  // pinned host memory: the copies overlap with compute
      batch.ct = batch.ct.to(device_, /*non_blocking=*/true);
      batch.masks = batch.masks.to(device_, true);
      batch.labels = batch.labels.to(device_, true);
      batch.has_mask = batch.has_mask.to(device_, true);
      if (batch.tokens.defined()) batch.tokens = batch.tokens.to(device_, true);
    }
    return batch;
  }

 private:
  void work() {
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_workers_.wait(lock, [&] {
        return stop_ || (started_ && next_to_build_ < total_ && next_to_build_ < next_to_deliver_ + config_.prefetch);
      });
      if (stop_) return;
      const std::int64_t index = next_to_build_++;
      const std::uint64_t generation = generation_;
      const std::int64_t epoch = epoch_;
      const auto order = order_;
      lock.unlock();
      Batch batch;
      std::exception_ptr error;
      try {
        batch = build(index, epoch, *order);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (generation != generation_) continue;  // the epoch was restarted meanwhile
      // A failure belongs to its batch: the consumer meets it in order, after the batches before it.
      if (error) failures_[index] = error;
      else ready_[index] = std::move(batch);
      batch_ready_.notify_all();
    }
  }

  Batch build(std::int64_t index, std::int64_t epoch, const std::vector<std::size_t>& order) const {
    // This rank's positions in the epoch's order: first, first + world, ... (a single process: a run).
    const std::int64_t first = index * batch_size_ * shard_.world + shard_.rank;
    const std::int64_t left = static_cast<std::int64_t>(items_.size()) - first;
    const std::int64_t count = left <= 0 ? 0 : std::min<std::int64_t>(batch_size_, (left + shard_.world - 1) / shard_.world);
    Batch batch;
    batch.epoch = epoch;
    batch.index = index;
    const auto options = torch::TensorOptions().pinned_memory(pin_);
    std::vector<std::int64_t> shape;
    std::size_t classes = 0;
    for (std::int64_t b = 0; b < count; ++b) {
      const std::int64_t position = first + b * shard_.world;
      const LoaderItem& entry = items_[order[static_cast<std::size_t>(position)]];
      const MappedCacheItem item = map_cache_item(entry.file);
      if (b == 0) {
        shape = item.header.shape;
        classes = item.header.classes.size();
        batch.ct = buffer({count, 1, shape[0], shape[1], shape[2]}, options);
        batch.masks = buffer({count, static_cast<std::int64_t>(classes), shape[0], shape[1], shape[2]}, options);
        batch.labels = torch::zeros({count, static_cast<std::int64_t>(classes)}, options.dtype(torch::kFloat32));
        batch.has_mask = torch::zeros({count}, options.dtype(torch::kBool));
      } else if (item.header.shape != shape || item.header.classes.size() != classes) {
        throw Error("cache items of different shapes in one batch").file(entry.file.string());
      }
      // The targets (labels, masks, report) are the item's own unless a control run swapped them.
      const MappedCacheItem target = entry.targets.empty() ? item : map_cache_item(entry.targets);
      if (target.header.shape != item.header.shape) throw Error("a target item of another shape").file(entry.targets.string());
      if (b == 0) batch.label_classes = target.header.classes;
      else if (target.header.classes != batch.label_classes)
        throw Error("cache items labelled in other classes in one batch").file((entry.targets.empty() ? entry.file : entry.targets).string());
      fill(batch, b, item, target, core::Rng(seed_, "augment", {static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(position)}));
      batch.names.push_back(entry.name);
      batch.reports.push_back(target.header.report);
    }
    if (tokenize_ && count > 0) batch.tokens = tokenize_(batch.reports);
    return batch;
  }

  // A float tensor for a batch. On the CPU, buffers the consumer has released are reused: a
  // fresh volume-sized allocation costs more in page faults than filling it. On CUDA the pinned
  // buffers come from LibTorch's caching host allocator, which already reuses them safely (it
  // waits for pending non-blocking copies), so they are not pooled here. Every voxel of a buffer
  // is overwritten by fill().
  at::Tensor buffer(at::IntArrayRef sizes, const torch::TensorOptions& options) const {
    if (pin_) return torch::empty(sizes, options.dtype(torch::kFloat32));
    std::lock_guard<std::mutex> lock(pool_mutex_);
    for (auto& t : pool_)
      if (t.use_count() == 1 && t.sizes() == sizes) return t;  // only the pool holds it
    at::Tensor fresh = torch::empty(sizes, options.dtype(torch::kFloat32));
    if (pool_.size() < static_cast<std::size_t>(2 * (config_.prefetch + config_.workers + 2))) pool_.push_back(fresh);
    return fresh;
  }

  // Augments and writes one item into row b of the batch tensors, straight from the mapped file,
  // one output row at a time; masks and labels come from `target`.
  void fill(Batch& batch, std::int64_t b, const MappedCacheItem& item, const MappedCacheItem& target, core::Rng rng) const {
    const auto& h = item.header;
    const std::int64_t nz = h.shape[0], ny = h.shape[1], nx = h.shape[2];
    const Augmentation augmentation = draw_augmentation(config_, rng);
    const AugmentedGrid grid(augmentation, {nz, ny, nx});
    const IntensityWindow window(h.dtype, h.hu_min, h.hu_max, augmentation.intensity);
    float* ct = batch.ct[b].data_ptr<float>();
    float* masks = batch.masks[b].data_ptr<float>();
    const std::size_t classes = target.packed_masks ? target.header.classes.size() : 0;
    if (!target.packed_masks) std::fill(masks, masks + batch.masks[b].numel(), 0.0f);  // reused buffers hold old data
    for (std::int64_t z = 0; z < nz; ++z)
      for (std::int64_t y = 0; y < ny; ++y) {
        const SourceRow row = grid.row(z, y);
        const std::int64_t at = (z * ny + y) * nx;
        if (h.dtype == io::DType::uint8) write_ct_row(item.ct, row, window, nx, ct + at);
        else write_ct_row(reinterpret_cast<const std::int16_t*>(item.ct), row, window, nx, ct + at);
        for (std::size_t c = 0; c < classes; ++c)
          write_mask_row(target.packed_masks + c * target.mask_stride, row, nx, masks + static_cast<std::int64_t>(c) * nz * ny * nx + at);
      }
    batch.has_mask[b] = classes > 0;
    auto labels = batch.labels.accessor<float, 2>()[b];
    for (std::size_t c = 0; c < target.header.labels.size(); ++c) labels[static_cast<std::int64_t>(c)] = static_cast<float>(target.header.labels[c]);
  }

  // One output row of the CT; outside the input, the window minimum.
  template <class Stored>
  static void write_ct_row(const Stored* stored, const SourceRow& row, const IntensityWindow& window, std::int64_t nx, float* out) {
    if (!row.inside) {
      std::fill(out, out + nx, 0.0f);
      return;
    }
    std::fill(out, out + row.x_first, 0.0f);
    std::fill(out + row.x_last, out + nx, 0.0f);
    if (row.step == 1) {  // contiguous: a loop the compiler vectorises
      const Stored* from = stored + row.first;
      float* to = out + row.x_first;
      for (std::int64_t k = 0, m = row.x_last - row.x_first; k < m; ++k) to[k] = window(static_cast<float>(from[k]));
      return;
    }
    for (std::int64_t x = row.x_first, i = row.first; x < row.x_last; ++x, i += row.step) out[x] = window(static_cast<float>(stored[i]));
  }

  // One output row of a class mask, unpacked from its bits; outside the input, no lesion.
  static void write_mask_row(const std::uint8_t* bits, const SourceRow& row, std::int64_t nx, float* out) {
    std::fill(out, out + nx, 0.0f);
    if (!row.inside) return;
    for (std::int64_t x = row.x_first, i = row.first; x < row.x_last; ++x, i += row.step) out[x] = static_cast<float>((bits[i >> 3] >> (i & 7)) & 1);
  }

  const std::vector<LoaderItem>& items_;
  std::int64_t batch_size_;
  LoaderConfig config_;
  std::uint64_t seed_;
  torch::Device device_;
  bool pin_;
  Tokenize tokenize_;
  Shard shard_;
  std::int64_t total_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_workers_, batch_ready_;
  std::vector<std::thread> workers_;
  bool stop_ = false, started_ = false;
  std::uint64_t generation_ = 0;
  std::int64_t epoch_ = 0, next_to_build_ = 0, next_to_deliver_ = 0;
  std::shared_ptr<const std::vector<std::size_t>> order_;
  std::map<std::int64_t, Batch> ready_;
  std::map<std::int64_t, std::exception_ptr> failures_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<at::Tensor> pool_;
};

BatchLoader::BatchLoader(std::vector<LoaderItem> items, std::int64_t batch_size, LoaderConfig config, std::uint64_t seed, std::string device,
                         Tokenize tokenize, Shard shard)
    : items_(std::move(items)),
      impl_(std::make_unique<Impl>(items_, batch_size, std::move(config), seed, std::move(device), std::move(tokenize), shard)) {}

BatchLoader::~BatchLoader() = default;
void BatchLoader::start_epoch(std::int64_t epoch, std::int64_t first_batch) { impl_->start_epoch(epoch, first_batch); }
std::optional<Batch> BatchLoader::next() { return impl_->next(); }
std::int64_t BatchLoader::batches_per_epoch() const { return impl_->total(); }

}  // namespace unict::data

#include "unict/data/loader.h"

#include <torch/torch.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "unict/core/error.h"
#include "unict/core/seed.h"
#include "unict/data/cache_item.h"
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
       Tokenize tokenize)
      : items_(items), batch_size_(batch_size), config_(std::move(config)), seed_(seed), device_(device),
        pin_(device_.is_cuda()), tokenize_(std::move(tokenize)) {
    if (batch_size_ < 1) throw Error("batch size must be at least 1").key("train.batch_size").value(std::to_string(batch_size_));
    total_ = (static_cast<std::int64_t>(items_.size()) + batch_size_ - 1) / batch_size_;
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
    if (device_.is_cuda()) {  // pinned host memory: the copies overlap with compute
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
    const std::int64_t first = index * batch_size_;
    const std::int64_t count = std::min<std::int64_t>(batch_size_, static_cast<std::int64_t>(items_.size()) - first);
    Batch batch;
    batch.epoch = epoch;
    batch.index = index;
    const auto options = torch::TensorOptions().pinned_memory(pin_);
    std::vector<std::int64_t> shape;
    std::size_t classes = 0;
    for (std::int64_t b = 0; b < count; ++b) {
      const std::int64_t position = first + b;
      const LoaderItem& entry = items_[order[static_cast<std::size_t>(position)]];
      const MappedCacheItem item = map_cache_item(entry.file);
      if (b == 0) {
        shape = item.shape;
        classes = item.header["classes"].size();
        batch.ct = buffer({count, 1, shape[0], shape[1], shape[2]}, options);
        batch.masks = buffer({count, static_cast<std::int64_t>(classes), shape[0], shape[1], shape[2]}, options);
        batch.labels = torch::zeros({count, static_cast<std::int64_t>(classes)}, options.dtype(torch::kFloat32));
        batch.has_mask = torch::zeros({count}, options.dtype(torch::kBool));
      } else if (item.shape != shape || item.header["classes"].size() != classes) {
        throw Error("cache items of different shapes in one batch").file(entry.file.string());
      }
      // The targets (labels, masks, report) are the item's own unless a control run swapped them.
      const MappedCacheItem target = entry.targets.empty() ? item : map_cache_item(entry.targets);
      if (target.shape != item.shape) throw Error("a target item of another shape").file(entry.targets.string());
      fill(batch, b, item, target, core::Rng(seed_, "augment", {static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(position)}));
      batch.names.push_back(entry.name);
      batch.reports.push_back(target.header.value("report", ""));
    }
    if (tokenize_) batch.tokens = tokenize_(batch.reports);
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

  // Scales, augments and writes one item into row b of the batch tensors, straight from the
  // mapped file, one output row at a time; masks and labels come from `target`.
  void fill(Batch& batch, std::int64_t b, const MappedCacheItem& item, const MappedCacheItem& target, core::Rng rng) const {
    const auto& s = item.shape;
    const std::int64_t nz = s[0], ny = s[1], nx = s[2], n = nz * ny * nx;
    const double hu_min = item.header["hu_min"], hu_max = item.header["hu_max"];
    // Draws in a fixed order: flips, intensity, shift.
    std::array<bool, 3> flip{};
    for (auto axis : config_.flip_axes) flip[static_cast<std::size_t>(axis)] = rng.bernoulli(0.5);
    const double scale = config_.intensity_scale > 0 ? 1.0 + rng.uniform(-config_.intensity_scale, config_.intensity_scale) : 1.0;
    const double shift_hu = config_.intensity_shift > 0 ? rng.uniform(-config_.intensity_shift, config_.intensity_shift) : 0.0;
    std::array<std::int64_t, 3> shift{};
    for (std::size_t a = 0; a < 3 && a < config_.max_shift.size(); ++a)
      if (config_.max_shift[a] > 0)
        shift[a] = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * config_.max_shift[a] + 1))) - config_.max_shift[a];
    // Stored value -> [0, 1]: v * gain + offset, clamped (the window after the intensity jitter).
    const bool quantised = item.dtype == io::DType::uint8;
    const double per_level = quantised ? (hu_max - hu_min) / 255.0 : 1.0, base = quantised ? hu_min : 0.0;
    const auto gain = static_cast<float>(per_level * scale / (hu_max - hu_min));
    const auto offset = static_cast<float>((base * scale + shift_hu - hu_min) / (hu_max - hu_min));

    // Output index o along axis a takes input index o - shift (flipped where drawn).
    const auto source = [&](std::int64_t o, std::int64_t extent, std::size_t a) {
      const std::int64_t i = o - shift[a];
      if (i < 0 || i >= extent) return std::int64_t{-1};
      return flip[a] ? extent - 1 - i : i;
    };
    // The x range whose source lies inside, and the source x of its first voxel.
    const std::int64_t x_first = std::max<std::int64_t>(0, shift[2]), x_last = std::min<std::int64_t>(nx, nx + shift[2]);
    float* ct = batch.ct[b].data_ptr<float>();
    float* masks = batch.masks[b].data_ptr<float>();
    const std::size_t classes = target.packed_masks ? target.header["classes"].size() : 0;
    if (!target.packed_masks) std::fill(masks, masks + batch.masks[b].numel(), 0.0f);  // reused buffers hold old data
    for (std::int64_t z = 0; z < nz; ++z) {
      const std::int64_t sz = source(z, nz, 0);
      for (std::int64_t y = 0; y < ny; ++y) {
        const std::int64_t sy = source(y, ny, 1);
        float* out = ct + (z * ny + y) * nx;
        if (sz < 0 || sy < 0 || x_last <= x_first) {
          std::fill(out, out + nx, 0.0f);  // the window minimum
          for (std::size_t c = 0; c < classes; ++c) {
            float* m = masks + static_cast<std::int64_t>(c) * n + (z * ny + y) * nx;
            std::fill(m, m + nx, 0.0f);
          }
          continue;
        }
        std::fill(out, out + x_first, 0.0f);
        std::fill(out + x_last, out + nx, 0.0f);
        const std::int64_t row = (sz * ny + sy) * nx;
        const std::int64_t step = flip[2] ? -1 : 1;
        const std::int64_t start = source(x_first, nx, 2);
        const auto convert = [&](const auto* values) {
          if (step == 1) {  // contiguous: a loop the compiler vectorises
            const auto* from = values + row + start;
            float* to = out + x_first;
            for (std::int64_t k = 0, m = x_last - x_first; k < m; ++k)
              to[k] = std::min(std::max(static_cast<float>(from[k]) * gain + offset, 0.0f), 1.0f);
            return;
          }
          for (std::int64_t x = x_first, i = row + start; x < x_last; ++x, i += step)
            out[x] = std::min(std::max(static_cast<float>(values[i]) * gain + offset, 0.0f), 1.0f);
        };
        if (quantised) convert(item.ct);
        else convert(reinterpret_cast<const std::int16_t*>(item.ct));
        for (std::size_t c = 0; c < classes; ++c) {
          const std::uint8_t* bits = target.packed_masks + c * target.mask_stride;
          float* m = masks + static_cast<std::int64_t>(c) * n + (z * ny + y) * nx;
          std::fill(m, m + nx, 0.0f);
          for (std::int64_t x = x_first, i = row + start; x < x_last; ++x, i += step)
            m[x] = static_cast<float>((bits[i >> 3] >> (i & 7)) & 1);
        }
      }
    }
    batch.has_mask[b] = classes > 0;
    const auto labels = target.header["labels"].get<std::vector<int>>();
    auto row = batch.labels.accessor<float, 2>()[b];
    for (std::size_t c = 0; c < labels.size(); ++c) row[static_cast<std::int64_t>(c)] = static_cast<float>(labels[c]);
  }

  const std::vector<LoaderItem>& items_;
  std::int64_t batch_size_;
  LoaderConfig config_;
  std::uint64_t seed_;
  torch::Device device_;
  bool pin_;
  Tokenize tokenize_;
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
                         Tokenize tokenize)
    : items_(std::move(items)),
      impl_(std::make_unique<Impl>(items_, batch_size, std::move(config), seed, std::move(device), std::move(tokenize))) {}

BatchLoader::~BatchLoader() = default;
void BatchLoader::start_epoch(std::int64_t epoch, std::int64_t first_batch) { impl_->start_epoch(epoch, first_batch); }
std::optional<Batch> BatchLoader::next() { return impl_->next(); }
std::int64_t BatchLoader::batches_per_epoch() const { return impl_->total(); }

}  // namespace unict::data

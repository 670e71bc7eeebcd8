// The batch loader: worker threads read cache items, augment them, collate batches and prefetch
// them ahead of the consumer; on CUDA the batches are built in pinned memory and copied without
// blocking. The sequence of batches is a pure function of (seed, epoch): item order and every
// augmentation draw are keyed by the epoch and the item's position in it, never by the worker,
// so any number of workers gives the same batches in the same order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "unict/data/loader_config.h"

namespace unict::data {

// One cache item to load (from the cache manifest).
struct LoaderItem {
  std::filesystem::path file;
  std::string name;
  std::filesystem::path targets;  // another item whose labels, masks and report to use (a control run); empty: its own
};

struct Batch {
  at::Tensor ct;          // [B, 1, Z, Y, X] float32: HU window scaled to [0, 1]
  at::Tensor masks;       // [B, C, Z, Y, X] float32 (zeros where has_mask is false)
  at::Tensor has_mask;    // [B] bool
  at::Tensor labels;      // [B, C] float32
  std::vector<std::string> label_classes;  // the C classes of labels and masks, as the cache names them
  at::Tensor tokens;      // [B, L] int64 when a tokenizer is set, else undefined
  std::vector<std::string> names, reports;
  std::int64_t epoch = 0, index = 0;
};

// A rank's share of every batch in a distributed run: the global batch is world x batch_size
// volumes, taken in the single-process order, and rank r reads positions r, r + world, ... of it.
// The same seed then gives the same stream of global batches at any world size. The last global
// batch of an epoch may leave a rank with fewer volumes, or none (a Batch with no names).
struct Shard {
  int rank = 0, world = 1;
};

// Turns report texts into a padded [B, L] int64 tensor (the report tokenizer plugs in here).
using Tokenize = std::function<at::Tensor(const std::vector<std::string>&)>;

class BatchLoader {
 public:
  BatchLoader(std::vector<LoaderItem> items, std::int64_t batch_size, LoaderConfig config, std::uint64_t seed,
              std::string device = "cpu", Tokenize tokenize = {}, Shard shard = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Starts (or restarts) an epoch; batches then come from next() until it returns nothing.
  // `first_batch` skips the batches before it without reading them (resuming mid-epoch).
  void start_epoch(std::int64_t epoch, std::int64_t first_batch = 0);
  std::optional<Batch> next();

  std::int64_t batches_per_epoch() const;
  std::size_t size() const { return items_.size(); }

 private:
  class Impl;
  std::vector<LoaderItem> items_;
  std::unique_ptr<Impl> impl_;
};

// Reads the items of a prepared cache folder (manifest.json), optionally only some volumes.
std::vector<LoaderItem> cache_items(const std::filesystem::path& cache_folder, const std::vector<std::string>& only_names = {});

}  // namespace unict::data

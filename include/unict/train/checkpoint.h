// Checkpoints: everything a run needs to continue exactly where it stopped, in one file written
// atomically (a crash while writing leaves the previous checkpoint intact):
//   model      parameters and buffers
//   optimizer  AdamW's state (moments, step counts, group settings)
//   state      the trainer's counters as JSON (TrainState)
//   window     the running loss sums of the current logging window (a tensor, bit-exact)
//   rng_cpu    LibTorch's CPU generator (dropout draws); rng_cpu_rank<r>: rank r's, in a distributed run
//   config     the resolved configuration as YAML
//   model_crc32, optimizer_crc32  CRC-32s of the weights and of the optimiser state, verified
//              when they are loaded (a damaged file is refused with its name)
// A write that fails (a full disk) throws an Error naming the file and leaves the previous
// checkpoint as it was.
// The loader needs no state of its own: its batches are a pure function of (seed, epoch), so the
// epoch and the batches consumed in it say where to go on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace unict::train {

struct TrainState {
  std::int64_t step = 0;            // updates done
  std::int64_t epoch = 0;           // the epoch in progress
  std::int64_t batch_in_epoch = 0;  // batches of that epoch consumed
  std::int64_t total_updates = 0;
  bool has_best = false;
  double best_metric = 0;
  std::int64_t best_step = -1;
  std::int64_t validations_without_improvement = 0;
  std::int64_t nonfinite_total = 0, nonfinite_run = 0;
  std::string stop_reason;          // empty while training; "finished", "early stopping", ...
  std::int64_t world_size = 1;      // ranks that trained it (a resume needs as many)

  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& json, const std::filesystem::path& file);
};

struct Checkpoint {
  TrainState state;
  at::Tensor window;
  std::string config_yaml;
  std::vector<at::Tensor> rank_rng;  // the CPU generators of ranks 1, 2, ... (rank 0's is this process's)
};

// `optimizer` may be null (best.pt keeps the weights and the state only).
void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const Checkpoint& checkpoint);

// Loads into `model` (and `optimizer` when not null) on `device`, restores the CPU generator when
// `restore_rng` (rank `rank`'s generator). Errors name the file: missing, not a checkpoint,
// damaged (a checksum differs), or a model of another shape.
Checkpoint load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                           const std::string& device, bool restore_rng, int rank = 0);

}  // namespace unict::train

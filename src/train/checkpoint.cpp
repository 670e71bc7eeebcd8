#include "unict/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"

namespace unict::train {

nlohmann::json TrainState::to_json() const {
  return {{"step", step},
          {"epoch", epoch},
          {"batch_in_epoch", batch_in_epoch},
          {"total_updates", total_updates},
          {"has_best", has_best},
          {"best_metric", has_best ? nlohmann::json(best_metric) : nlohmann::json(nullptr)},
          {"best_step", best_step},
          {"validations_without_improvement", validations_without_improvement},
          {"nonfinite_total", nonfinite_total},
          {"nonfinite_run", nonfinite_run},
          {"stop_reason", stop_reason},
          {"world_size", world_size}};
}

TrainState TrainState::from_json(const nlohmann::json& json, const std::filesystem::path& file) {
  try {
    TrainState s;
    s.step = json.at("step");
    s.epoch = json.at("epoch");
    s.batch_in_epoch = json.at("batch_in_epoch");
    s.total_updates = json.at("total_updates");
    s.has_best = json.at("has_best");
    if (s.has_best) s.best_metric = json.at("best_metric");
    s.best_step = json.at("best_step");
    s.validations_without_improvement = json.at("validations_without_improvement");
    s.nonfinite_total = json.at("nonfinite_total");
    s.nonfinite_run = json.at("nonfinite_run");
    s.stop_reason = json.at("stop_reason");
    s.world_size = json.value("world_size", std::int64_t{1});  // checkpoints from before distributed training
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("checkpoint state is incomplete: ") + e.what()).file(file.string());
  }
}

void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const Checkpoint& checkpoint) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("state", c10::IValue(checkpoint.state.to_json().dump()));
  archive.write("config", c10::IValue(checkpoint.config_yaml));
  if (checkpoint.window.defined()) archive.write("window", checkpoint.window.cpu(), /*is_buffer=*/true);
  archive.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  for (std::size_t r = 0; r < checkpoint.rank_rng.size(); ++r)
    archive.write("rng_cpu_rank" + std::to_string(r + 1), checkpoint.rank_rng[r], /*is_buffer=*/true);
  std::filesystem::create_directories(file.parent_path());
  core::AtomicPath target(file);
  archive.save_to(target.temporary().string());
  target.commit();
}

Checkpoint load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                           const std::string& device, bool restore_rng, int rank) {
  if (!std::filesystem::exists(file)) throw Error("checkpoint not found").file(file.string());
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string(), torch::Device(device));
  } catch (const c10::Error& e) {
    throw Error(std::string("not a readable checkpoint: ") + e.what_without_backtrace()).file(file.string());
  }
  Checkpoint out;
  try {
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
  } catch (const c10::Error& e) {
    throw Error(std::string("the checkpoint does not fit this model (was the config changed?): ") + e.what_without_backtrace())
        .file(file.string());
  }
  c10::IValue state, config;
  archive.read("state", state);
  archive.read("config", config);
  out.state = TrainState::from_json(nlohmann::json::parse(state.toStringRef()), file);
  out.config_yaml = config.toStringRef();
  at::Tensor window;
  if (archive.try_read("window", window, true)) out.window = window;
  if (restore_rng) {
    at::Tensor rng;
    const std::string name = rank == 0 ? "rng_cpu" : "rng_cpu_rank" + std::to_string(rank);
    if (!archive.try_read(name, rng, true)) throw Error("the checkpoint has no generator state for rank " + std::to_string(rank)).file(file.string());
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the global one
    generator.set_state(rng.cpu());
  }
  return out;
}

}  // namespace unict::train

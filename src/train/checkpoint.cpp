#include "unict/train/checkpoint.h"

#include <optional>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/module.h>
#include <torch/optim/adamw.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "unict/core/atomic_file.h"
#include "unict/core/checksum.h"
#include "unict/core/compat.h"
#include "unict/core/error.h"

namespace unict::train {
namespace {

std::uint32_t add_tensor(std::uint32_t crc, const std::string& name, const at::Tensor& tensor) {
  crc = core::crc32(name, crc);
  if (!tensor.defined()) return crc;
  const auto t = tensor.detach().to(torch::kCPU).contiguous();
  const std::string shape = std::string(c10::toString(t.scalar_type())) + c10::str(t.sizes());
  crc = core::crc32(shape, crc);
  return core::crc32(t.data_ptr(), t.nbytes(), crc);
}

// A checkpoint's checksums: one of the model's parameters and buffers by name, one of AdamW's
// state of each parameter (moments and step count) in the optimiser's parameter order. Two, so
// that loading the weights alone (evaluation, export) checks what it loads.
std::uint32_t model_checksum(torch::nn::Module& model) {
  std::uint32_t crc = 0;
  for (const auto& p : model.named_parameters()) crc = add_tensor(crc, p.key(), p.value());
  for (const auto& b : model.named_buffers()) crc = add_tensor(crc, b.key(), b.value());
  return crc;
}

std::uint32_t optimizer_checksum(const torch::optim::Optimizer& optimizer) {
  std::uint32_t crc = 0;
  const auto& states = optimizer.state();
  std::size_t index = 0;
  for (const auto& group : optimizer.param_groups())
    for (const auto& p : group.params()) {
      const std::string at = "optimizer." + std::to_string(index++);
      const auto found = states.find(compat::optimizer_state_key(p.unsafeGetTensorImpl()));
      if (found == states.end()) continue;
      const auto* adamw = dynamic_cast<const torch::optim::AdamWParamState*>(found->second.get());
      if (!adamw) continue;
      crc = add_tensor(crc, at + ".exp_avg", adamw->exp_avg());
      crc = add_tensor(crc, at + ".exp_avg_sq", adamw->exp_avg_sq());
      crc = add_tensor(crc, at + ".max_exp_avg_sq", adamw->max_exp_avg_sq());
      crc = core::crc32(at + ".step=" + std::to_string(adamw->step()), crc);
    }
  return crc;
}

void check(torch::serialize::InputArchive& archive, const char* key, std::uint32_t computed, const char* what,
           const std::filesystem::path& file) {
  c10::IValue recorded;
  if (archive.try_read(key, recorded) && recorded.toInt() != static_cast<std::int64_t>(computed))
    throw Error(std::string("damaged checkpoint: the checksum of its ") + what + " does not match the one recorded when it was written")
        .file(file.string());
}

}  // namespace

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
  archive.write("model_crc32", c10::IValue(static_cast<std::int64_t>(model_checksum(model))));
  if (optimizer) archive.write("optimizer_crc32", c10::IValue(static_cast<std::int64_t>(optimizer_checksum(*optimizer))));
  archive.write("state", c10::IValue(checkpoint.state.to_json().dump()));
  archive.write("config", c10::IValue(checkpoint.config_yaml));
  if (checkpoint.window.defined()) archive.write("window", checkpoint.window.cpu(), /*is_buffer=*/true);
  archive.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  for (std::size_t r = 0; r < checkpoint.rank_rng.size(); ++r)
    archive.write("rng_cpu_rank" + std::to_string(r + 1), checkpoint.rank_rng[r], /*is_buffer=*/true);
  std::filesystem::create_directories(file.parent_path());
  core::AtomicFile out(file);
  // LibTorch's zip writer must never see a failed write: it throws from its destructor then, and
  // the process aborts (a full disk did that). So the writer takes every byte, keeps the first
  // failure, and the failure is thrown here, once LibTorch is done; the temporary is removed and
  // the previous checkpoint stays as it was.
  std::optional<Error> failure;
  try {
    archive.save_to([&](const void* data, std::size_t size) -> std::size_t {
      if (!failure) {
        try {
          out.write(data, size);
        } catch (const Error& e) {
          failure = e;
        }
      }
      return size;
    });
  } catch (const c10::Error& e) {
    throw Error(std::string("cannot write the checkpoint: ") + e.what_without_backtrace()).file(file.string());
  }
  if (failure) throw *failure;
  out.commit();
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
  // Checked after loading: the zip's own record checksums are not verified by LibTorch's reader,
  // and a flipped byte inside a tensor would otherwise train on silently.
  // (Checkpoints written before the checksums were added have none, and load as before.)
  check(archive, "model_crc32", model_checksum(model), "weights", file);
  if (optimizer) check(archive, "optimizer_crc32", optimizer_checksum(*optimizer), "optimiser state", file);
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

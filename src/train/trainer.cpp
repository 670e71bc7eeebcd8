#include "unict/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iomanip>
#include <map>
#include <iostream>
#include <fstream>
#include <sstream>
#include <cstring>
#include <optional>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "unict/core/append_file.h"
#include "unict/core/atomic_file.h"
#include "unict/core/autocast.h"
#include "unict/core/error.h"
#include "unict/core/join.h"
#include "unict/core/log.h"
#include "unict/core/phase_clock.h"
#include "unict/core/progress.h"
#include "unict/core/seed.h"
#include "unict/eval/metric_values_json.h"
#include "unict/model/batch_norm.h"
#include "unict/model/batch_statistics.h"
#include "unict/model/lesion_evidence.h"
#include "unict/model/losses.h"
#include "unict/text/special_tokens.h"
#include "unict/train/gradient_sync.h"
#include "unict/train/optimizer.h"
#include "unict/train/process_group.h"
#include "unict/train/schedule.h"
#include "unict/train/stop_signal.h"
#include "unict/train/validation.h"

namespace unict::train {

std::filesystem::path last_checkpoint(const std::filesystem::path& run_dir) { return run_dir / "checkpoints" / "last.pt"; }
std::filesystem::path best_checkpoint(const std::filesystem::path& run_dir) { return run_dir / "checkpoints" / "best.pt"; }
std::filesystem::path training_outcome_file(const std::filesystem::path& run_dir) { return run_dir / "training.json"; }
std::filesystem::path metrics_file(const std::filesystem::path& run_dir) { return run_dir / "metrics.jsonl"; }
std::filesystem::path progress_file(const std::filesystem::path& run_dir) { return run_dir / "progress.json"; }
std::filesystem::path train_log_file(const std::filesystem::path& run_dir) { return run_dir / "train.log"; }

namespace {

// Running sums of the current logging window, kept on the device: batches, total, cls, seg,
// batches with a seg loss, rep.
constexpr std::int64_t kWindowSize = 6;

// What every rank must agree on before training: a hash of each, compared with rank 0's.
std::string fingerprint(const std::string& text) { return std::to_string(core::fnv1a64(text)); }

std::string weights_fingerprint(torch::nn::Module& model) {
  std::uint64_t hash = 0;
  for (const auto& p : model.parameters()) {
    const auto t = p.detach().to(torch::kCPU).contiguous();
    hash = hash * 1099511628211ull ^ core::fnv1a64(std::string_view(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  }
  return std::to_string(hash);
}

// The modules whose training output depends on the batch's statistics, by kind, for the warning of
// a distributed run that does not synchronise them.
std::vector<std::string> batch_statistics_modules(torch::nn::Module& model) {
  bool batch_norm = false, lesion_evidence = false;
  for (const auto& m : model.modules()) {
    batch_norm = batch_norm || dynamic_cast<model::BatchNormImpl*>(m.get());  // the model's only BatchNorm (model/batch_norm.h)
    lesion_evidence = lesion_evidence || dynamic_cast<model::LesionEvidenceImpl*>(m.get());
  }
  std::vector<std::string> kinds;
  if (batch_norm) kinds.push_back("BatchNorm layers");
  if (lesion_evidence) kinds.push_back("the lesion-evidence centre");
  return kinds;
}

std::string item_names(const std::vector<data::LoaderItem>& items) {
  std::string names;
  for (const auto& item : items) names += item.name + "\n";
  return names;
}

// Keeps the complete lines up to `step` (a line half-written when the run was killed is dropped).
void truncate_metrics(const std::filesystem::path& file, std::int64_t step) {
  if (!std::filesystem::exists(file)) return;
  std::ifstream in(file);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: written only in part
    try {
      if (nlohmann::json::parse(line).at("step").get<std::int64_t>() <= step) kept += line + "\n";
    } catch (const nlohmann::json::exception&) {
    }
  }
  core::write_file_atomic(file, kept);
}

class Trainer {
 public:
  Trainer(const TrainerInputs& in, TrainerHooks hooks)
      : in_(in), hooks_(std::move(hooks)), group_(in.group ? in.group : ProcessGroup::single()), device_(in.device),
        cuda_(device_.is_cuda()), autocast_(cuda_ && in.train.amp == "bf16"),
        model_(model::build_model(in.model, in.shape, in.seed)),
        loader_(in.train_items, in.train.batch_size, in.loader, in.seed, in.device, in.tokenize, {group_->rank(), group_->world_size()}),
        val_loader_(in.val_items, in.train.batch_size, data::evaluation_loader_config(in.loader), in.seed, in.device, in.tokenize) {
    if (in_.train_items.empty()) throw Error("no training volumes").file(in_.run_dir.string());
    model_->to(device_);
    model_->train();
    optimizer_ = make_optimizer(*model_, *model_->encoder(), in_.train);
    if (group_->distributed()) {
      check_ranks_agree();
      // Each rank its own dropout stream; rank 0 keeps the single-process one.
      if (group_->rank() > 0) torch::manual_seed(core::derive_seed(in_.seed, "torch-rank", {static_cast<std::uint64_t>(group_->rank())}));
      const auto kinds = batch_statistics_modules(*model_);
      if (!kinds.empty() && in_.distributed.sync_batch_norm) {
        // Summed over the ranks in each training forward and backward (model/batch_statistics.h).
        batch_statistics_ = std::make_unique<model::GlobalBatchStatistics>([group = group_](const at::Tensor& t) { group->all_reduce_sum(t); });
      } else if (!kinds.empty()) {
        spdlog::warn("distributed.sync_batch_norm is off: {} normalise over each rank's own {} volume(s), so {} ranks do not compute what "
                     "one process with a batch of {} would",
                     core::join(kinds, " and "), in_.train.batch_size, group_->world_size(), in_.train.batch_size * group_->world_size());
      }
    }
    if (cuda_) at::globalContext().setBenchmarkCuDNN(in_.train.cudnn_benchmark);
    batches_per_epoch_ = loader_.batches_per_epoch();
    updates_per_epoch_ = (batches_per_epoch_ + in_.train.grad_accum_steps - 1) / in_.train.grad_accum_steps;
    schedule_ = make_schedule(in_.train, updates_per_epoch_);
    total_ = schedule_.total;
    val_every_ = to_updates(parse_duration(in_.train.val_every, "train.val_every"), updates_per_epoch_);
    checkpoint_every_ = to_updates(parse_duration(in_.train.checkpoint_every, "train.checkpoint_every"), updates_per_epoch_);
    window_ = torch::zeros({kWindowSize}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
    if (in_.train.phase_timing && cuda_) clock_ = core::PhaseClock([] { torch::cuda::synchronize(); });
  }

  TrainOutcome run(bool resume) {
    const auto metrics_path = metrics_file(in_.run_dir);
    const bool root = group_->is_root();
    if (resume) {
      const auto checkpoint = load_checkpoint(last_checkpoint(in_.run_dir), *model_, optimizer_.adamw.get(), in_.device, true, group_->rank());
      state_ = checkpoint.state;
      if (!state_.stop_reason.empty())
        throw Error("this run has finished (" + state_.stop_reason + "); nothing to resume").file(last_checkpoint(in_.run_dir).string());
      if (state_.world_size != group_->world_size())
        throw Error("this run was trained by " + std::to_string(state_.world_size) + " rank(s); it resumes exactly only with as many")
            .file(last_checkpoint(in_.run_dir).string())
            .value(std::to_string(group_->world_size()) + " ranks")
            .hint("launch it again with torchrun --nproc_per_node " + std::to_string(state_.world_size) + " (or as many srun tasks)");
      if (checkpoint.window.defined()) window_ = checkpoint.window.to(device_);
      if (root) truncate_metrics(metrics_path, state_.step);
      spdlog::info("resuming at update {} of {} (epoch {}, batch {})", state_.step, total_, state_.epoch, state_.batch_in_epoch);
    } else {
      if (root && std::filesystem::exists(last_checkpoint(in_.run_dir)))
        throw Error("the run folder already holds a run").file(in_.run_dir.string()).hint("resume it, or pass --force to start over");
      if (root) std::filesystem::remove(metrics_path);
      state_.total_updates = total_;
      state_.world_size = group_->world_size();
    }
    if (group_->distributed()) {
      // After the checkpoint is loaded: loading puts new tensors into the parameters, with new
      // gradient accumulators, and the hooks must sit on the ones backward will run.
      GradientSyncOptions sync;
      sync.bucket_bytes = static_cast<std::int64_t>(in_.distributed.bucket_mb * (1 << 20));
      sync.first_bucket_bytes = std::min<std::int64_t>(sync.bucket_bytes, 1 << 20);
      sync.overlap = in_.distributed.overlap;
      sync_ = std::make_unique<GradientSync>(model_->parameters(), *group_, sync);
    }
    if (root) {
      metrics_.emplace(metrics_path);
    }
    spdlog::info("training {} volumes ({} batches of {}{}, {} per update) for {} updates ({} per epoch), validating {} volumes every {} "
                 "updates, on {}{}",
                 in_.train_items.size(), batches_per_epoch_, in_.train.batch_size * group_->world_size(),
                 group_->distributed() ? " over " + std::to_string(group_->world_size()) + " ranks" : std::string(),
                 in_.train.grad_accum_steps, total_, updates_per_epoch_, in_.val_items.size(), val_every_, in_.device,
                 autocast_ ? " with bf16 autocast" : "");

    std::ostream quiet(nullptr);  // discards: progress off (tests)
    core::ProgressStyle style;
    style.terminal = in_.show_progress && isatty(2);
    core::Progress progress("train", static_cast<std::size_t>(total_), in_.show_progress && root ? std::cerr : quiet, style);
    progress.advance(static_cast<std::size_t>(state_.step));
    StopSignals signals;
    StopSignals::clear();
    attempt_start_ = {std::chrono::steady_clock::now(), state_.step};
    bool epoch_started = false;
    while (state_.step < total_ && state_.stop_reason.empty()) {
      if (!epoch_started) {
        loader_.start_epoch(state_.epoch, state_.batch_in_epoch);
        epoch_started = true;
      }
      const bool updated = update();
      ++state_.step;
      if (state_.batch_in_epoch >= batches_per_epoch_) {
        ++state_.epoch;
        state_.batch_in_epoch = 0;
        epoch_started = false;
      }
      if (!updated && state_.nonfinite_run >= in_.train.max_nonfinite) {
        spdlog::error("{} updates in a row had a non-finite loss; stopping at update {}; {} holds the last good state", state_.nonfinite_run,
                      state_.step, last_checkpoint(in_.run_dir).string());
        throw Error(std::to_string(state_.nonfinite_run) + " updates in a row had a NaN or infinite loss (" +
                    std::to_string(state_.nonfinite_total) + " in all); the run stopped")
            .key("train.max_nonfinite")
            .file(last_checkpoint(in_.run_dir).string())
            .hint("the checkpoint named holds the last good state; lower train.lr or check the data");
      }
      progress.advance();
      const bool last = state_.step == total_;
      if (state_.step % in_.train.log_every == 0 || last) log_window(progress);
      bool checkpoint = state_.step % checkpoint_every_ == 0 || last;
      if (state_.step % val_every_ == 0 || last) {
        validation();
        checkpoint = true;
      }
      if (last && state_.stop_reason.empty()) state_.stop_reason = "finished";
      const int signal = stop_signal();
      if (signal != 0 && state_.stop_reason.empty()) checkpoint = true;
      if (checkpoint || !state_.stop_reason.empty()) save_last();
      if (signal != 0 && state_.stop_reason.empty()) {
        spdlog::warn("{} received: checkpoint written at update {}; continue with --resume", stop_signal_name(signal),
                     state_.step);
        progress.finish();
        return {state_, signal};
      }
    }
    progress.finish();
    if (!state_.has_best) {  // nothing validated: the last weights are the ones to evaluate
      state_.best_step = state_.step;
      if (root) save_checkpoint(best_checkpoint(in_.run_dir), *model_, nullptr, {state_, {}, in_.config_yaml, {}});
    }
    nlohmann::json outcome = state_.to_json();
    outcome["selection_metric"] = in_.train.selection_metric;
    if (group_->distributed()) {
      // Every rank applied the same summed gradients to the same weights: their final weights are
      // bitwise the same, or something (a nondeterministic kernel, a differing build) broke that.
      const auto hashes = group_->gather("final weights", weights_fingerprint(*model_));
      outcome["rank_weight_hashes"] = hashes;
      if (std::adjacent_find(hashes.begin(), hashes.end(), std::not_equal_to<>()) != hashes.end())
        throw Error("the ranks' final weights differ (hashes " + nlohmann::json(hashes).dump() + "); the run is not data parallel")
            .file(in_.run_dir.string());
    }
    if (root) core::write_file_atomic(training_outcome_file(in_.run_dir), outcome.dump(2) + "\n");
    spdlog::info("training {} after {} updates; best {} {} at update {}; {} non-finite updates skipped", state_.stop_reason, state_.step,
                 in_.train.selection_metric, state_.has_best ? std::to_string(state_.best_metric) : std::string("(none)"), state_.best_step,
                 state_.nonfinite_total);
    return {state_, 0};
  }

 private:
  // One optimiser update over up to grad_accum_steps batches; false when it was skipped.
  bool update() {
    // On the CPU every update is timed (a clock read per phase). On CUDA a phase boundary has to
    // synchronise the device, so only the last update of each logging window is timed: the other
    // updates keep their asynchronous launches.
    timed_ = in_.train.phase_timing && (!cuda_ || (state_.step + 1) % in_.train.log_every == 0);
    model_->set_phase_clock(timed_ ? &clock_ : nullptr);
    if (timed_) clock_.start();
    optimizer_.adamw->zero_grad();
    const std::int64_t n = std::min(in_.train.grad_accum_steps, batches_per_epoch_ - state_.batch_in_epoch);
    at::Tensor sums = torch::zeros({kWindowSize}, window_.options());
    const bool distributed = group_->distributed();
    bool backward_ran = false;
    if (distributed) {
      take_root_buffers();
      sync_->begin_update();
    }
    for (std::int64_t i = 0; i < n; ++i) {
      auto batch = loader_.next();
      if (!batch) throw internal_error("the loader ended before its batches_per_epoch");
      lap("data wait");
      const model::Targets targets{batch->labels, batch->masks, batch->has_mask, batch->tokens};
      const bool empty = batch->names.empty();  // this rank's share of the epoch's last global batch
      model::LossDenominators global;
      if (distributed) {
        global = global_denominators(empty ? model::LossDenominators{} : model::loss_denominators(targets));
        lap("communication");  // waiting for the others' counts (and so for the slowest rank)
      }
      model::TaskLosses losses;
      at::Tensor lockstep;  // with global batch statistics: zero-weighted terms that keep the ranks' backward passes alike
      if (!empty) {
        compat::CudaAutocast scope(autocast_, at::kBFloat16);
        const auto out = model_->forward(batch->ct, batch->tokens, batch->labels);
        losses = distributed ? model::compute_losses(out, targets, in_.model.loss, global) : model::compute_losses(out, targets, in_.model.loss);
        if (batch_statistics_) lockstep = zero_weighted_heads(out, losses, global);
      } else if (batch_statistics_) {
        lockstep = placeholder_pass(global);
      }
      at::Tensor total = losses.total.defined() ? losses.total.to(torch::kFloat32) : torch::zeros({}, torch::TensorOptions().device(device_));
      if (hooks_.loss) total = hooks_.loss(state_.step, total);
      lap("losses");
      if (distributed && i + 1 == n) sync_->arm();
      if (!empty) {
        (total / static_cast<double>(n) + (lockstep.defined() ? lockstep : torch::zeros({}, total.options()))).backward();
        backward_ran = backward_ran || total.requires_grad();
      } else if (lockstep.defined()) {
        const model::GlobalBatchStatistics::Placeholder placeholder;
        lockstep.backward();
      }
      lap("backward");
      const auto part = [&](const at::Tensor& t) { return t.defined() ? t.detach().to(torch::kFloat64) : torch::zeros({}, sums.options()); };
      // Whether the segmentation loss counts in this batch: a rank's own batch, or the global one.
      const bool seg = distributed ? global.mask_volumes > 0 && losses_have_seg() : losses.seg.defined();
      sums += torch::stack({torch::ones({}, sums.options()), part(total), part(losses.cls), part(losses.seg),
                            torch::full({}, seg ? 1.0 : 0.0, sums.options()), part(losses.rep)});
    }
    state_.batch_in_epoch += n;
    if (distributed) {
      if (sync_->finish() == 0 && backward_ran)
        throw internal_error("a backward pass reached no gradient hook; the gradients would not be summed");
      sums = reduce_sums(sums);
      lap("communication");  // the gradient all-reduce left after backward, then the loss sums
    }

    const auto parameters = model_->parameters();
    const at::Tensor grad_norm = gradient_norm(parameters).to(device_);
    // The one read per update: a NaN / Inf loss or gradient must not reach the weights.
    const bool finite = (torch::isfinite(grad_norm) & torch::isfinite(sums[1])).item<bool>();
    if (!finite) {
      ++state_.nonfinite_total;
      ++state_.nonfinite_run;
      spdlog::warn("update {}: non-finite loss or gradient, update skipped ({} in a row, {} in all)", state_.step + 1, state_.nonfinite_run,
                   state_.nonfinite_total);
      optimizer_.adamw->zero_grad();
      if (timed_) clock_.finish_repetition();
      return false;
    }
    state_.nonfinite_run = 0;
    clip_gradients(parameters, grad_norm, in_.train.clip_grad_norm);
    optimizer_.set_lr(schedule_.lr(state_.step));
    optimizer_.adamw->step();
    window_ += sums;
    lap("optimiser");
    if (timed_) clock_.finish_repetition();
    return true;
  }

  // With global batch statistics (distributed.sync_batch_norm) BatchNorm sums over the ranks in
  // forward and backward, so every rank must run the same modules in the same order, or their
  // all-reduces would not pair (Gloo aborts on the first pair of different sizes). A head whose
  // loss some rank computes while this one does not (its share has no mask) gets a zero-weighted
  // sum of its output in that loss's place: its backward runs and adds exact zeros. A head no
  // rank trains is left out everywhere, as one process would leave it out.
  at::Tensor zero_weighted_heads(const model::ModelOutput& out, const model::TaskLosses& mine, const model::LossDenominators& global) const {
    const auto& weights = in_.model.loss;
    std::vector<at::Tensor> heads;
    if (weights.cls_weight > 0 && out.cls_logits.defined() && !mine.cls.defined()) heads.push_back(out.cls_logits);
    if (weights.seg_weight > 0 && out.seg_logits.defined() && !mine.seg.defined() && global.mask_volumes > 0) heads.push_back(out.seg_logits);
    if (weights.rep_weight > 0 && out.rep_logits.defined() && !mine.rep.defined()) heads.push_back(out.rep_logits);
    at::Tensor zero;
    for (const auto& h : heads) zero = zero.defined() ? zero + h.sum().to(torch::kFloat32) * 0.0 : h.sum().to(torch::kFloat32) * 0.0;
    return zero;
  }

  // A rank whose share of the epoch's last global batch is empty: a forward of one blank volume
  // that adds nothing to the batch statistics, and the zero-weighted heads to run backward on,
  // so that its all-reduces pair with the others' (see zero_weighted_heads).
  at::Tensor placeholder_pass(const model::LossDenominators& global) {
    const auto& size = in_.shape.input_size;
    const auto options = torch::TensorOptions().device(device_);
    const auto ct = torch::zeros({1, 1, size[0], size[1], size[2]}, options);
    const auto labels = torch::zeros({1, in_.shape.classes}, options);
    const auto tokens = in_.tokenize ? torch::tensor({{text::kBosId, text::kEosId}}, torch::kLong).to(device_) : at::Tensor();
    model::ModelOutput out;
    {
      const model::GlobalBatchStatistics::Placeholder placeholder;
      compat::CudaAutocast scope(autocast_, at::kBFloat16);
      out = model_->forward(ct, tokens, labels);
    }
    return zero_weighted_heads(out, {}, global);
  }

  // The loss denominators of the global batch: this rank's counts summed over the ranks.
  model::LossDenominators global_denominators(const model::LossDenominators& mine) {
    auto counts = torch::tensor({mine.volumes, mine.mask_volumes, mine.lesion_pairs, mine.report_tokens}, torch::kFloat64);
    group_->all_reduce_sum(counts);
    const double* c = counts.data_ptr<double>();
    return {c[0], c[1], c[2], c[3]};
  }

  // Every rank takes rank 0's buffers (BatchNorm's running statistics, lesion evidence's centre)
  // before the update, as PyTorch's DDP broadcasts them: each rank's forward moves them with its
  // own volumes, rank 0's are the ones checkpointed and validated with, and a resumed run starts
  // every rank from them as the uninterrupted run does. A broadcast as a sum in which only rank 0
  // contributes, one tensor per dtype.
  void take_root_buffers() {
    std::map<at::ScalarType, std::vector<at::Tensor>> by_type;
    for (auto& b : model_->buffers())
      if (b.numel() > 0) by_type[b.scalar_type()].push_back(b);
    torch::NoGradGuard no_grad;
    for (auto& [type, buffers] : by_type) {
      std::vector<at::Tensor> flat_parts;
      for (const auto& b : buffers) flat_parts.push_back(b.reshape({-1}));
      auto flat = torch::cat(flat_parts);
      if (!group_->is_root()) flat.zero_();
      group_->all_reduce_sum(flat);
      std::int64_t at = 0;
      for (auto& b : buffers) {
        b.copy_(flat.narrow(0, at, b.numel()).view(b.sizes()));
        at += b.numel();
      }
    }
  }

  bool losses_have_seg() const { return in_.model.loss.seg_weight > 0 && model_->has_task(core::Task::seg); }

  // The update's loss sums over the ranks (each rank's losses are its share of the global batch's),
  // together with how many ranks received a stop signal and how many of them SIGUSR1: every rank
  // then stops after the same update, with SLURM's warning signal if any rank had it (a requeue,
  // experiments/sweep_task.h) and SIGTERM otherwise. The batch counts are the same on every rank
  // and stay as they are.
  at::Tensor reduce_sums(const at::Tensor& sums) {
    const int mine = StopSignals::received();
    auto shared = torch::cat({sums.to(torch::kCPU, torch::kFloat64),
                              torch::tensor({mine != 0 ? 1.0 : 0.0, mine == SIGUSR1 ? 1.0 : 0.0}, torch::kFloat64)});
    const auto counts = shared.index({torch::tensor({0, 4})}).clone();
    group_->all_reduce_sum(shared);
    shared.index_put_({torch::tensor({0, 4})}, counts);
    if (shared[kWindowSize].item<double>() > 0) {
      peer_stop_ = true;
      // The signal of the ranks that received one, for the exit status.
      StopSignals::adopt(shared[kWindowSize + 1].item<double>() > 0 ? SIGUSR1 : SIGTERM);
    }
    return shared.slice(0, 0, kWindowSize).to(device_);
  }

  // The signal that stops the run after this update: this process's, or in a distributed run the
  // one all ranks agreed on in the update's reduction (see reduce_sums).
  int stop_signal() const { return !group_->distributed() || peer_stop_ ? StopSignals::received() : 0; }

  void check_ranks_agree() {
    const std::vector<std::pair<std::string, std::string>> checks = {
        {"resolved config", fingerprint(in_.config_yaml)},
        {"training volumes", fingerprint(item_names(in_.train_items))},
        {"validation volumes", fingerprint(item_names(in_.val_items))},
        {"initial weights", weights_fingerprint(*model_)}};
    std::string mine;
    for (const auto& [what, hash] : checks) mine += hash + " ";
    const auto all = group_->gather("agreement", mine);
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (all[r] == all[0]) continue;
      std::istringstream theirs(all[r]), root(all[0]);
      for (const auto& [what, hash] : checks) {
        std::string a, b;
        theirs >> a;
        root >> b;
        if (a != b)
          throw Error("rank " + std::to_string(r) + "'s " + what + " differ from rank 0's; every rank must train the same run")
              .file(in_.run_dir.string())
              .hint("launch every rank with the same config, --set overrides, data and build");
      }
    }
  }

  void lap(const char* phase) {
    if (timed_) clock_.lap(phase);
  }

  void write_metrics(const nlohmann::json& line) {
    if (!group_->is_root()) return;
    metrics_->append(line.dump() + "\n");
  }

  void log_window(core::Progress& progress) {
    const auto w = window_.to(torch::kCPU).clone();  // clone: on the CPU .cpu() is the same tensor, zeroed below
    const double* v = w.data_ptr<double>();
    window_.zero_();
    if (v[0] == 0) return;  // every update of the window was skipped
    eval::MetricValues losses;
    std::ostringstream status;
    status << "loss " << std::setprecision(3) << v[1] / v[0];
    losses.set("train.loss", v[1] / v[0]);
    if (in_.model.loss.cls_weight > 0 && model_->has_task(core::Task::cls)) {
      losses.set("train.cls.loss", v[2] / v[0]);
      status << " cls " << v[2] / v[0];
    }
    if (v[4] > 0) {
      losses.set("train.seg.loss", v[3] / v[4]);
      status << " seg " << v[3] / v[4];
    }
    if (in_.model.loss.rep_weight > 0 && model_->has_task(core::Task::rep)) {
      losses.set("train.rep.loss", v[5] / v[0]);
      status << " rep " << v[5] / v[0];
    }
    nlohmann::json line = eval::to_json(losses);
    line["step"] = state_.step;
    line["epoch"] = state_.epoch;
    line["lr"] = schedule_.lr(state_.step - 1);
    write_metrics(line);
    write_progress();
    progress.set_status(status.str());
    spdlog::debug("update {}: {}", state_.step, line.dump());
  }

  // progress.json: where the run is and how fast this attempt goes, for `unict status` (its ETA).
  // Rank 0 rewrites it every log_every updates.
  void write_progress() {
    if (!group_->is_root()) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - attempt_start_.first).count();
    const auto done = state_.step - attempt_start_.second;
    nlohmann::json progress{{"step", state_.step},
                            {"total_updates", total_},
                            {"epoch", state_.epoch},
                            {"updated_at", std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()},
                            {"updates_per_s", seconds > 0 && done > 0 ? nlohmann::json(static_cast<double>(done) / seconds) : nlohmann::json(nullptr)}};
    core::write_file_atomic(progress_file(in_.run_dir), progress.dump() + "\n");
  }

  // The phase times since the previous report, in train.log. Wall-clock figures stay out of
  // metrics.jsonl, which a resumed run reproduces bit for bit.
  void report_phase_times() {
    if (!in_.train.phase_timing) return;
    const std::string summary = clock_.summary();
    if (!summary.empty()) spdlog::info("time up to update {}: {}", state_.step, summary);
    clock_.reset();
  }

  void validation() {
    report_phase_times();
    if (in_.val_items.empty()) return;
    if (group_->distributed()) {
      // Rank 0 validates; the others wait for the state it leaves (best step, early stopping).
      if (group_->is_root()) validate_on_this_rank();
      const auto state = group_->share_from_root("validation state", state_.to_json().dump(), ProcessGroup::kRootWorkWait);
      if (!group_->is_root()) state_ = TrainState::from_json(nlohmann::json::parse(state), in_.run_dir);
      return;
    }
    validate_on_this_rank();
  }

  void validate_on_this_rank() {
    model_->set_phase_clock(nullptr);  // validation's forward passes are not training time
    const auto result = validate(*model_, val_loader_, in_.model.loss, in_.classes, autocast_);
    nlohmann::json line = result.to_json();
    line["step"] = state_.step;
    write_metrics(line);
    const auto value = result.metric(in_.train.selection_metric);
    spdlog::info("validation at update {}: {}", state_.step, result.to_json().dump());
    if (!value) {
      spdlog::warn("{} is undefined on the validation volumes at update {}; best checkpoint unchanged", in_.train.selection_metric, state_.step);
      return;
    }
    const bool better = !state_.has_best || (eval::metric_spec(in_.train.selection_metric).higher_is_better ? *value > state_.best_metric : *value < state_.best_metric);
    if (better) {
      state_.has_best = true;
      state_.best_metric = *value;
      state_.best_step = state_.step;
      state_.validations_without_improvement = 0;
      save_checkpoint(best_checkpoint(in_.run_dir), *model_, nullptr, {state_, {}, in_.config_yaml, {}});
    } else if (in_.train.early_stopping_patience > 0 && ++state_.validations_without_improvement >= in_.train.early_stopping_patience) {
      state_.stop_reason = "early stopping";
      spdlog::info("early stopping at update {}: {} validations without a better {}", state_.step, state_.validations_without_improvement,
                   in_.train.selection_metric);
    }
  }

  // Rank 0 writes the checkpoint, with every rank's CPU generator (each draws its own dropout).
  void save_last() {
    std::vector<at::Tensor> rank_rng;
    if (group_->distributed()) {
      const auto mine = at::detail::getDefaultCPUGenerator().get_state();
      const auto all = group_->gather("generator state", std::string(static_cast<const char*>(mine.data_ptr()), mine.nbytes()));
      for (std::size_t r = 1; r < all.size(); ++r) {
        auto state = torch::empty({static_cast<std::int64_t>(all[r].size())}, torch::kUInt8);
        std::memcpy(state.data_ptr(), all[r].data(), all[r].size());
        rank_rng.push_back(state);
      }
    }
    if (group_->is_root())
      save_checkpoint(last_checkpoint(in_.run_dir), *model_, optimizer_.adamw.get(), {state_, window_, in_.config_yaml, rank_rng});
  }

  const TrainerInputs& in_;
  TrainerHooks hooks_;
  std::shared_ptr<ProcessGroup> group_;
  std::unique_ptr<GradientSync> sync_;
  std::unique_ptr<model::GlobalBatchStatistics> batch_statistics_;  // distributed.sync_batch_norm on several ranks
  std::pair<std::chrono::steady_clock::time_point, std::int64_t> attempt_start_;  // when this process began, at which step
  bool peer_stop_ = false;  // some rank received a stop signal (distributed)
  torch::Device device_;
  bool cuda_, autocast_;
  model::UniCT model_;
  ModelOptimizer optimizer_;
  data::BatchLoader loader_, val_loader_;
  std::int64_t batches_per_epoch_ = 0, updates_per_epoch_ = 0, total_ = 0, val_every_ = 0, checkpoint_every_ = 0;
  Schedule schedule_;
  TrainState state_;
  at::Tensor window_;
  std::optional<core::AppendFile> metrics_;  // rank 0's
  core::PhaseClock clock_;
  bool timed_ = false;  // whether the current update charges its phases to clock_
};

// train.log in the run folder for as long as the run lasts.
struct RunLog {
  explicit RunLog(const std::filesystem::path& file) { core::log_to_file(file); }
  ~RunLog() { core::stop_logging_to_files(); }
};

}  // namespace

TrainOutcome run_training(const TrainerInputs& inputs, bool resume, TrainerHooks hooks) {
  std::filesystem::create_directories(inputs.run_dir);
  std::optional<RunLog> log;  // train.log is rank 0's
  if (!inputs.group || inputs.group->is_root()) log.emplace(train_log_file(inputs.run_dir));
  Trainer trainer(inputs, std::move(hooks));
  return trainer.run(resume);
}

}  // namespace unict::train

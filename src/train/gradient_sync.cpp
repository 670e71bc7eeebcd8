#include "unict/train/gradient_sync.h"

#include <chrono>
#include <mutex>

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/train/process_group.h"

namespace unict::train {

struct GradientSync::Impl {
  struct Parameter {
    at::Tensor tensor;
    std::size_t bucket = 0;
    std::int64_t offset = 0;                 // in its bucket's flat buffer
    bool touched = false;                    // got a gradient in some backward pass of this update
    bool ready = false;                      // got one in the armed (last) backward pass
    std::shared_ptr<torch::autograd::Node> accumulator;  // held: the parameter keeps it only weakly
    std::uintptr_t hook = 0;
  };
  struct Bucket {
    std::vector<std::size_t> members;
    std::int64_t numel = 0;  // gradient elements; one "had a gradient" count per member follows them
    at::Tensor flat;
    std::size_t ready = 0;
    bool launched = false;
    ProcessGroup::Pending pending;
  };

  // Marks a parameter whose gradient accumulator just ran.
  struct ReadyHook : torch::autograd::FunctionPostHook {
    ReadyHook(Impl* impl, std::size_t index) : impl(impl), index(index) {}
    torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                              const torch::autograd::variable_list& /*inputs*/) override {
      impl->mark(index);
      return outputs;
    }
    Impl* impl;
    std::size_t index;
  };

  ProcessGroup& group;
  GradientSyncOptions options;
  std::vector<Parameter> parameters;
  std::vector<Bucket> buckets;
  std::size_t next_launch = 0;  // buckets start in index order on every rank: Gloo pairs collectives by order
  bool armed = false;
  double wait_seconds = 0;
  std::mutex mutex;  // on CUDA the hooks run on the autograd engine's device thread

  Impl(const std::vector<at::Tensor>& tensors, ProcessGroup& group, GradientSyncOptions options) : group(group), options(options) {
    for (auto it = tensors.rbegin(); it != tensors.rend(); ++it) {
      if (!it->requires_grad()) continue;
      const std::int64_t cap = buckets.size() <= 1 ? options.first_bucket_bytes : options.bucket_bytes;
      const std::int64_t bytes = it->numel() * static_cast<std::int64_t>(it->element_size());
      if (buckets.empty() || (!buckets.back().members.empty() &&
                              (buckets.back().numel * static_cast<std::int64_t>(it->element_size()) + bytes > cap ||
                               it->scalar_type() != parameters[buckets.back().members.front()].tensor.scalar_type())))
        buckets.emplace_back();
      Parameter p;
      p.tensor = *it;
      p.bucket = buckets.size() - 1;
      p.offset = buckets.back().numel;
      buckets.back().numel += it->numel();
      buckets.back().members.push_back(parameters.size());
      parameters.push_back(std::move(p));
    }
    for (auto& b : buckets) {
      const auto& first = parameters[b.members.front()].tensor;
      b.flat = torch::zeros({b.numel + static_cast<std::int64_t>(b.members.size())}, first.options().requires_grad(false));
    }
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      auto& p = parameters[i];
      p.accumulator = torch::autograd::impl::grad_accumulator(p.tensor);
      if (!p.accumulator) throw internal_error("GradientSync: a parameter without a gradient accumulator");
      p.hook = p.accumulator->add_post_hook(std::make_unique<ReadyHook>(this, i));
    }
  }

  ~Impl() {
    for (auto& p : parameters) p.accumulator->del_post_hook(p.hook);
  }

  void mark(std::size_t index) {
    std::lock_guard<std::mutex> lock(mutex);
    Parameter& p = parameters[index];
    p.touched = true;
    if (!armed || p.ready) return;
    p.ready = true;
    ++buckets[p.bucket].ready;
    if (!options.overlap) return;
    while (next_launch < buckets.size() && buckets[next_launch].ready == buckets[next_launch].members.size()) launch(next_launch++);
  }

  void launch(std::size_t index) {
    Bucket& b = buckets[index];
    std::vector<float> had(b.members.size());
    for (std::size_t j = 0; j < b.members.size(); ++j) {
      const Parameter& p = parameters[b.members[j]];
      auto slice = b.flat.narrow(0, p.offset, p.tensor.numel());
      const auto& grad = p.tensor.grad();
      if (grad.defined()) slice.copy_(grad.reshape({-1}));
      else slice.zero_();
      had[j] = p.touched ? 1.0f : 0.0f;
    }
    b.flat.narrow(0, b.numel, static_cast<std::int64_t>(had.size())).copy_(torch::tensor(had).to(b.flat.options()));
    b.launched = true;
    b.pending = group.all_reduce_sum_async(b.flat);
  }

  void begin() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& p : parameters) p.touched = p.ready = false;
    for (auto& b : buckets) {
      b.ready = 0;
      b.launched = false;
    }
    next_launch = 0;
    armed = false;
  }

  std::size_t finish() {
    std::size_t touched = 0;
    for (const auto& p : parameters) touched += p.touched ? 1 : 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      armed = false;
      while (next_launch < buckets.size()) launch(next_launch++);
    }
    wait_seconds = 0;
    for (auto& b : buckets) {
      const auto start = std::chrono::steady_clock::now();
      b.pending.wait();
      wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto had = b.flat.narrow(0, b.numel, static_cast<std::int64_t>(b.members.size())).to(torch::kCPU, torch::kFloat32).contiguous();
      const float* any = had.data_ptr<float>();
      for (std::size_t j = 0; j < b.members.size(); ++j) {
        if (any[j] <= 0) continue;  // no rank had a gradient: left as a single process leaves it
        Parameter& p = parameters[b.members[j]];
        const auto sum = b.flat.narrow(0, p.offset, p.tensor.numel()).view(p.tensor.sizes());
        auto& grad = p.tensor.mutable_grad();
        if (grad.defined()) grad.copy_(sum);
        else grad = sum.clone();
      }
    }
    return touched;
  }
};

GradientSync::GradientSync(const std::vector<at::Tensor>& parameters, ProcessGroup& group, GradientSyncOptions options) {
  if (group.distributed()) impl_ = std::make_unique<Impl>(parameters, group, options);
}

GradientSync::~GradientSync() = default;

void GradientSync::begin_update() {
  if (impl_) impl_->begin();
}

void GradientSync::arm() {
  if (!impl_) return;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->armed = true;
}

std::size_t GradientSync::finish() { return impl_ ? impl_->finish() : 0; }

std::size_t GradientSync::buckets() const { return impl_ ? impl_->buckets.size() : 0; }
double GradientSync::last_wait_seconds() const { return impl_ ? impl_->wait_seconds : 0; }

}  // namespace unict::train

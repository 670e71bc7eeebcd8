// Model benchmark (issue 4): forward + backward time per step and peak memory for a config's model
// at a given input size, report decoding speed (greedy and beam search), and on a GPU the
// agreement of the CUDA forward with the CPU forward (exit status 1 beyond its tolerance). Prints
// figures; run by model_bench.sh.
//
//   model_bench --config F [--set k=v ...] --input Z,Y,X [--batch 1] [--classes 10] [--vocab 2000]
//               [--steps 3] [--warmup 1] [--device cpu|cuda] [--forward-only] [--decode] [--compare-cpu]
//
// Only the model's sections and run/train are read from the config (this program also builds on
// GPU machines that lack the data layer's libraries), so the input size comes from --input.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <torch/torch.h>

#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && defined(UNICT_BENCH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#define UNICT_HAVE_CUDA_STATS 1
#endif

#include "bench_args.h"
#include "unict/core/compat.h"
#include "unict/core/config_loader.h"
#include "unict/core/run_config.h"
#include "unict/core/torch_runtime.h"
#include "unict/model/losses.h"
#include "unict/model/model_summary.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"
#include "unict/train/train_config.h"

namespace {

using namespace unict;
using bench::parse_size;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string config, device = "cpu";
  std::vector<std::string> overrides;
  std::vector<std::int64_t> input;
  std::int64_t batch = 1, classes = 10, vocab = 2000, steps = 3, warmup = 1, text = 0;
  bool decode = false, compare_cpu = false, forward_only = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw Error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--config") o.config = next();
    else if (a == "--set") o.overrides.push_back(next());
    else if (a == "--input") o.input = parse_size(next());
    else if (a == "--batch") o.batch = std::stoll(next());
    else if (a == "--classes") o.classes = std::stoll(next());
    else if (a == "--vocab") o.vocab = std::stoll(next());
    else if (a == "--steps") o.steps = std::stoll(next());
    else if (a == "--warmup") o.warmup = std::stoll(next());
    else if (a == "--text") o.text = std::stoll(next());
    else if (a == "--device") o.device = next();
    else if (a == "--decode") o.decode = true;
    else if (a == "--compare-cpu") o.compare_cpu = true;
    else if (a == "--forward-only") o.forward_only = true;
    else throw Error("unknown argument").value(a);
  }
  if (o.config.empty() || o.input.size() != 3) throw Error("usage: model_bench --config F --input Z,Y,X [options]");
  return o;
}

struct Loaded {
  model::ModelSettings settings;
  std::int64_t seed = 0, threads = 0;
};

Loaded load(const Options& o) {
  auto schema = std::make_shared<core::Schema>();
  core::run_section().declare_in(*schema);
  train::train_section().declare_in(*schema);
  model::declare_model_sections(*schema);
  for (const char* other : {"data", "split", "preprocess", "loader"}) schema->skip_section(other);
  const auto resolved = core::load_config(schema, o.config, o.overrides);
  Loaded l;
  l.settings = model::read_model_settings(resolved);
  model::validate_model_settings(l.settings, resolved);
  const auto run = core::run_section().read(resolved);
  l.seed = run.seed;
  l.threads = run.threads;
  return l;
}

void sync(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double peak_gpu_mib([[maybe_unused]] const torch::Device& device) {
#ifdef UNICT_HAVE_CUDA_STATS
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
#else
  return -1;
#endif
}

struct Inputs {
  at::Tensor ct, tokens;
  model::Targets targets;
};

Inputs make_inputs(const Options& o, const model::ModelSettings& s, const torch::Device& device) {
  torch::manual_seed(99);
  Inputs in;
  std::vector<std::int64_t> ct{o.batch, 1};
  ct.insert(ct.end(), o.input.begin(), o.input.end());
  in.ct = torch::rand(ct).to(device);
  const auto length = o.text > 0 ? o.text : s.report_decoder.max_tokens;
  in.tokens = torch::randint(text::kEosId + 1, o.vocab, {o.batch, length}, torch::kLong);
  in.tokens.select(1, 0).fill_(text::kBosId);
  in.tokens.select(1, length - 1).fill_(text::kEosId);
  in.tokens = in.tokens.to(device);
  std::vector<std::int64_t> masks{o.batch, o.classes};
  masks.insert(masks.end(), o.input.begin(), o.input.end());
  in.targets = {(torch::rand({o.batch, o.classes}) > 0.5).to(torch::kFloat32).to(device),
                (torch::rand(masks) > 0.95).to(torch::kFloat32).to(device), torch::ones({o.batch}, torch::kBool).to(device), in.tokens};
  return in;
}

// Inference: eval mode, no autograd graph (what `unict evaluate` pays per volume).
void time_forward(model::UniCT& net, const Options& o, const model::ModelSettings& s, const torch::Device& device) {
  const auto in = make_inputs(o, s, device);
  net->eval();
  torch::NoGradGuard no_grad;
  std::vector<double> seconds;
  for (std::int64_t i = 0; i < o.warmup + o.steps; ++i) {
    sync(device);
    const auto start = Clock::now();
    net->forward(in.ct, in.tokens);
    sync(device);
    if (i >= o.warmup) seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  double sum = 0;
  for (double t : seconds) sum += t;
  std::printf("forward only (eval, no autograd), batch %lld: mean %.3f s over %zu passes\n", static_cast<long long>(o.batch),
              sum / static_cast<double>(seconds.size()), seconds.size());
  if (device.is_cuda())
    std::printf("peak GPU memory (allocated by tensors): %.0f MiB\n", peak_gpu_mib(device));
  else
    std::printf("peak resident memory of the process: %.0f MiB\n", peak_rss_mib());
}

void time_training_step(model::UniCT& net, const Options& o, const model::ModelSettings& s, const torch::Device& device) {
  const auto in = make_inputs(o, s, device);
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(1e-4));
  net->train();
  std::vector<double> seconds;
  for (std::int64_t i = 0; i < o.warmup + o.steps; ++i) {
    sync(device);
    const auto start = Clock::now();
    optimizer.zero_grad();
    const auto losses = model::compute_losses(net->forward(in.ct, in.tokens), in.targets, s.loss);
    losses.total.backward();
    optimizer.step();
    sync(device);
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    if (i >= o.warmup) seconds.push_back(t);
  }
  double sum = 0, best = seconds.front();
  for (double t : seconds) sum += t, best = std::min(best, t);
  std::printf("train step (forward + backward + AdamW), batch %lld: mean %.3f s, best %.3f s over %zu steps (%lld warm-up)\n",
              static_cast<long long>(o.batch), sum / static_cast<double>(seconds.size()), best, seconds.size(),
              static_cast<long long>(o.warmup));
  if (device.is_cuda())
    std::printf("peak GPU memory (allocated by tensors): %.0f MiB\n", peak_gpu_mib(device));
  else
    std::printf("peak resident memory of the process: %.0f MiB\n", peak_rss_mib());
}

void time_decoding(model::UniCT& net, const Options& o, const model::ModelSettings& s, const torch::Device& device) {
  const auto ct = make_inputs(o, s, device).ct;
  for (const auto& [method, beams] : {std::pair<std::string, std::int64_t>{"greedy", 1}, {"beam", 3}}) {
    model::DecodeConfig decode{method, beams, 1.0, s.decode.max_tokens};
    net->generate(ct, decode);  // warm-up
    sync(device);
    const auto start = Clock::now();
    const auto reports = net->generate(ct, decode);
    sync(device);
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    std::size_t tokens = 0;
    for (const auto& r : reports) tokens += r.size();
    std::printf("decode %-6s beams %lld, batch %lld: %zu tokens in %.3f s = %.0f tokens/s (encoder forward included)\n", method.c_str(),
                static_cast<long long>(beams), static_cast<long long>(o.batch), tokens, t, static_cast<double>(tokens) / t);
  }
}

// Strict float32 on both sides still sums in other orders (cuDNN's convolution algorithms, the
// GPU's reductions): an output agrees when max |diff| <= kCompareTolerance * max(1, max |value|).
// Deeper models accumulate more; 1e-4 relative is about 1000 float32 ulps at the output's scale.
constexpr double kCompareTolerance = 1e-4;

// False when an output differs beyond the tolerance (main then exits 1).
bool compare_with_cpu(const Loaded& l, const model::ModelShape& shape, const Options& o, const torch::Device& device) {
  auto cpu = model::build_model(l.settings, shape, static_cast<std::uint64_t>(l.seed));
  auto gpu = model::build_model(l.settings, shape, static_cast<std::uint64_t>(l.seed));
  gpu->to(device);
  cpu->eval();
  gpu->eval();
  // Strict float32 on the GPU for the comparison: no TF32 in convolutions or matrix products.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  torch::NoGradGuard no_grad;
  const auto in = make_inputs(o, l.settings, torch::kCPU);
  const auto a = cpu->forward(in.ct, in.tokens);
  const auto b = gpu->forward(in.ct.to(device), in.tokens.to(device));
  const std::pair<const char*, std::pair<at::Tensor, at::Tensor>> outputs[] = {
      {"cls_logits", {a.cls_logits, b.cls_logits}}, {"seg_logits", {a.seg_logits, b.seg_logits}},
      {"rep_logits", {a.rep_logits, b.rep_logits}}, {"attention", {a.attention, b.attention}}};
  bool agree = true;
  for (const auto& [name, pair] : outputs) {
    if (!pair.first.defined()) continue;
    const auto diff = (pair.first - pair.second.to(torch::kCPU)).abs().max().item<double>();
    const auto scale = pair.first.abs().max().item<double>();
    const bool ok = diff <= kCompareTolerance * std::max(1.0, scale);  // NaN fails too
    agree = agree && ok;
    std::printf("CPU vs %s forward, %-10s max |diff| %.3g (max |value| %.3g): %s\n", device.str().c_str(), name, diff, scale,
                ok ? "within tolerance" : "BEYOND TOLERANCE");
  }
  if (cpu->has_task(unict::core::Task::rep)) {
    model::DecodeConfig greedy{"greedy", 1, 1.0, std::min<std::int64_t>(l.settings.decode.max_tokens, 32)};
    const auto ra = cpu->generate(in.ct, greedy);
    const auto rb = gpu->generate(in.ct.to(device), greedy);
    std::size_t same = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) same += ra[i] == rb[i];
    // Untrained logits have near ties, so a differing token is reported, not failed.
    std::printf("greedy reports identical on CPU and %s: %zu of %zu\n", device.str().c_str(), same, ra.size());
  }
  at::globalContext().setAllowTF32CuDNN(true);
  return agree;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto o = parse(argc, argv);
    const auto l = load(o);
    core::configure_torch_threads(l.threads);
    const torch::Device device(o.device);
    model::ModelShape shape{o.classes, o.vocab, o.input};
    auto net = model::build_model(l.settings, shape, static_cast<std::uint64_t>(l.seed));
    net->to(device);
    std::printf("LibTorch %s on %s, %d CPU threads; config %s; input %lld x %lld x %lld, encoder %s, tasks", unict::compat::kTorchVersion,
                device.str().c_str(), at::get_num_threads(), o.config.c_str(), static_cast<long long>(o.input[0]),
                static_cast<long long>(o.input[1]), static_cast<long long>(o.input[2]), l.settings.encoder.name.c_str());
    for (const auto t : net->tasks()) std::printf(" %s", std::string(unict::core::task_name(t)).c_str());
    std::printf("; %.2f M parameters\n", static_cast<double>(model::parameter_count(*net)) / 1e6);
    if (o.steps > 0) (o.forward_only ? time_forward : time_training_step)(net, o, l.settings, device);
    if (o.decode && net->has_task(unict::core::Task::rep)) time_decoding(net, o, l.settings, device);
    if (o.compare_cpu && device.is_cuda() && !compare_with_cpu(l, shape, o, device)) {
      std::fprintf(stderr, "model_bench: the %s forward differs from the CPU's beyond %g relative\n", device.str().c_str(), kCompareTolerance);
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_bench: %s\n", e.what());
    return 2;
  }
}

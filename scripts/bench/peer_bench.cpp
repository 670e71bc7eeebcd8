// The UniCT side of scripts/bench/peer_bench.sh: the same measurements as
// scripts/reference/peer_bench.py, with the same arguments, printing the same JSON line.
//
//   peer_bench train|forward|decode --config RESOLVED.yaml --input Z,Y,X [--batch 2] [--classes 10]
//              [--vocab 300] [--text 60] [--steps 5] [--warmup 2] [--threads 2] [--method greedy|beam]
//              [--profile TRACE.json]   (train, decode: STEPS more runs under the autograd profiler)
//   peer_bench loader --cache FOLDER [--batch 2] [--workers 1] [--epochs 3] [--threads 2] [--no-augment]
//              [--intensity-shift 10] [--intensity-scale 0] [--max-shift 0,2,2]
//
// A training step is what the trainer does per update (train/trainer.cpp): forward with the
// true findings, the three losses, backward, the gradient norm and its finiteness read, clipping,
// the learning rate of our parameter groups, AdamW. The allocator is set as `unict` sets it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include "bench_args.h"
#include "unict/core/malloc_tuning.h"
#include "unict/core/torch_runtime.h"
#include "unict/data/loader.h"
#include "unict/experiments/config.h"
#include "unict/model/losses.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"
#include "unict/train/optimizer.h"

namespace {

using namespace unict;
using bench::parse_size;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string what, config, cache, method = "greedy", profile;
  std::vector<std::int64_t> input, max_shift{0, 2, 2};
  std::int64_t batch = 2, classes = 10, vocab = 300, text = 60, steps = 5, warmup = 2, threads = 2, workers = 1, epochs = 3;
  bool augment = true;
  double intensity_shift = 10, intensity_scale = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  if (argc < 2) throw std::runtime_error("usage: peer_bench train|forward|decode|loader [options]");
  o.what = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--config") o.config = next();
    else if (a == "--cache") o.cache = next();
    else if (a == "--method") o.method = next();
    else if (a == "--profile") o.profile = next();
    else if (a == "--input") o.input = parse_size(next());
    else if (a == "--max-shift") o.max_shift = parse_size(next());
    else if (a == "--batch") o.batch = std::stoll(next());
    else if (a == "--classes") o.classes = std::stoll(next());
    else if (a == "--vocab") o.vocab = std::stoll(next());
    else if (a == "--text") o.text = std::stoll(next());
    else if (a == "--steps") o.steps = std::stoll(next());
    else if (a == "--warmup") o.warmup = std::stoll(next());
    else if (a == "--threads") o.threads = std::stoll(next());
    else if (a == "--workers") o.workers = std::stoll(next());
    else if (a == "--epochs") o.epochs = std::stoll(next());
    else if (a == "--intensity-shift") o.intensity_shift = std::stod(next());
    else if (a == "--intensity-scale") o.intensity_scale = std::stod(next());
    else if (a == "--no-augment") o.augment = false;
    else throw std::runtime_error("unknown argument " + a);
  }
  return o;
}

std::vector<double> timed(std::int64_t steps, std::int64_t warmup, const std::function<void()>& run) {
  std::vector<double> seconds;
  for (std::int64_t i = 0; i < warmup + steps; ++i) {
    const auto start = Clock::now();
    run();
    if (i >= warmup) seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return seconds;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The same shapes and value ranges as peer_bench.py's inputs.
struct Inputs {
  at::Tensor ct, tokens, labels, masks, has_mask;
};

Inputs make_inputs(const Options& o) {
  torch::manual_seed(99);
  Inputs in;
  std::vector<std::int64_t> ct{o.batch, 1}, masks{o.batch, o.classes};
  ct.insert(ct.end(), o.input.begin(), o.input.end());
  masks.insert(masks.end(), o.input.begin(), o.input.end());
  in.ct = torch::rand(ct) * 2 - 1;
  in.tokens = torch::randint(text::kEosId + 1, o.vocab, {o.batch, o.text}, torch::kLong);
  in.tokens.select(1, 0).fill_(text::kBosId);
  in.tokens.select(1, o.text - 1).fill_(text::kEosId);
  in.labels = (torch::rand({o.batch, o.classes}) > 0.5).to(torch::kFloat32);
  in.masks = (torch::rand(masks) > 0.99).to(torch::kFloat32) * in.labels.view({o.batch, o.classes, 1, 1, 1});
  in.has_mask = torch::ones({o.batch}, torch::kBool);
  return in;
}

nlohmann::json model_bench(const Options& o) {
  const auto config = experiments::load_config(o.config).typed;
  auto net = model::build_model(config.model, {o.classes, o.vocab, o.input}, static_cast<std::uint64_t>(config.run.seed));
  const auto in = make_inputs(o);
  nlohmann::json result{{"side", "unict"}, {"what", o.what}, {"threads", at::get_num_threads()}};
  std::vector<double> seconds;
  if (o.what == "train") {
    auto optimizer = train::make_optimizer(*net, *net->encoder(), config.train);
    net->train();
    const auto parameters = net->parameters();
    const auto step = [&] {
      optimizer.adamw->zero_grad();
      const auto out = net->forward(in.ct, in.tokens, in.labels);
      const auto losses = model::compute_losses(out, {in.labels, in.masks, in.has_mask, in.tokens}, config.model.loss);
      losses.total.backward();
      const auto norm = train::gradient_norm(parameters);
      if (!(torch::isfinite(norm) & torch::isfinite(losses.total)).item<bool>()) throw std::runtime_error("non-finite loss");
      train::clip_gradients(parameters, norm, config.train.clip_grad_norm);
      optimizer.set_lr(config.train.lr);
      optimizer.adamw->step();
    };
    seconds = timed(o.steps, o.warmup, step);
    if (!o.profile.empty()) {  // as many steps again, each operator's time in a Chrome trace
      torch::autograd::profiler::RecordProfile record(o.profile);
      for (std::int64_t i = 0; i < o.steps; ++i) step();
    }
  } else if (o.what == "forward") {
    net->eval();
    seconds = timed(o.steps, o.warmup, [&] {
      torch::NoGradGuard no_grad;
      net->forward(in.ct, in.tokens);
    });
  } else if (o.what == "decode") {
    auto decode = config.model.decode;
    decode.method = o.method;
    model::Generated reports;
    seconds = timed(o.steps, o.warmup, [&] { reports = net->generate(in.ct, decode); });
    if (!o.profile.empty()) {
      torch::autograd::profiler::RecordProfile record(o.profile);
      for (std::int64_t i = 0; i < o.steps; ++i) net->generate(in.ct, decode);
    }
    std::size_t tokens = 0;
    for (const auto& r : reports) tokens += r.size();
    result["tokens"] = tokens;
    result["tokens_per_s"] = static_cast<double>(tokens) / median(seconds);
  } else {
    throw std::runtime_error("unknown measurement " + o.what);
  }
  result["median_s"] = median(seconds);
  result["seconds"] = seconds;
  return result;
}

nlohmann::json loader_bench(const Options& o) {
  data::LoaderConfig config;
  config.workers = o.workers;
  config.prefetch = 2;
  config.max_shift = o.augment ? o.max_shift : std::vector<std::int64_t>{0, 0, 0};
  config.intensity_shift = o.augment ? o.intensity_shift : 0;
  config.intensity_scale = o.augment ? o.intensity_scale : 0;
  const auto items = data::cache_items(o.cache);
  data::BatchLoader loader(items, o.batch, config, 42);
  double bytes = 0;
  for (const auto& item : items) bytes += static_cast<double>(std::filesystem::file_size(item.file));
  std::vector<double> seconds;
  std::int64_t volumes = 0;
  for (std::int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const auto start = Clock::now();
    loader.start_epoch(epoch);
    while (const auto batch = loader.next()) volumes += batch->ct.size(0);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  double total = 0;
  for (double s : seconds) total += s;
  return {{"side", "unict"}, {"what", "loader"}, {"workers", o.workers}, {"augment", o.augment}, {"epochs", o.epochs},
          {"median_s", median(seconds)}, {"seconds", seconds}, {"volumes_per_s", static_cast<double>(volumes) / total},
          {"cache_gb_per_s", bytes * static_cast<double>(o.epochs) / total / 1e9}};
}

}  // namespace

int main(int argc, char** argv) {
  unict::core::keep_freed_tensor_memory();  // as `unict` does (src/cli/main.cpp)
  try {
    const auto o = parse(argc, argv);
    unict::core::configure_torch_threads(o.threads);
    std::printf("%s\n", (o.what == "loader" ? loader_bench(o) : model_bench(o)).dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer_bench: %s\n", e.what());
    return 2;
  }
}

// `unict model summary`: the model a config builds, its parameters per module, and the output
// shapes of one forward pass on a dummy batch of the configured size.
// `unict model export`: a run's weights as an .npz that plain NumPy / PyTorch reads by name.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include "config_options.h"
#include "unict/core/torch_runtime.h"
#include "unict/core/error.h"
#include "unict/data/label_set.h"
#include "unict/experiments/run_setup.h"
#include "unict/model/model_summary.h"
#include "unict/model/tensor_archive.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"

namespace unict::cli {
namespace {

struct SummaryOptions {
  ConfigOptions config;
  int depth = 2;
  bool no_forward = false;
};

void summary(const SummaryOptions& options, const GlobalOptions& globals) {
  const LoadedConfig loaded = load_config(options.config, globals);
  const auto& config = loaded.typed;
  const auto labels = data::load_label_set(config.data.label_set);
  model::ModelShape shape;
  shape.classes = static_cast<std::int64_t>(labels.size());
  shape.vocab_size = config.model.tokenizer.vocab_size;
  shape.input_size = config.preprocess.size;
  auto net = model::build_model(config.model, shape, static_cast<std::uint64_t>(config.run.seed));
  std::cout << model::module_tree(*net, options.depth);
  std::cout << "tasks: ";
  for (const auto t : net->tasks()) std::cout << core::task_name(t) << " ";
  std::cout << "| adapters " << (config.model.model.adapters ? "on" : "off") << ", fusion " << (config.model.model.fusion ? "on" : "off")
            << ", scf " << (config.model.model.scf ? "on" : "off") << "\n";
  if (options.no_forward) return;

  core::configure_torch_threads(config.run.threads);
  // A summary is for looking at the model, so a GPU config (the ablation configs name cuda) is
  // still shown on a machine without one: on the CPU, and said so.
  const bool cuda_requested = config.run.device.rfind("cuda", 0) == 0;
  const bool cpu_instead = cuda_requested && !torch::cuda::is_available();
  if (cpu_instead)
    std::cout << "run.device is " << config.run.device << " but no CUDA device is usable here: the forward pass runs on the CPU\n";
  const auto device = torch::Device(cpu_instead ? std::string("cpu") : core::resolve_device_name(config.run.device));
  net->to(device);
  net->eval();
  torch::NoGradGuard no_grad;
  const auto batch = config.train.batch_size;
  std::vector<std::int64_t> ct_shape{batch, 1};
  ct_shape.insert(ct_shape.end(), shape.input_size.begin(), shape.input_size.end());
  const auto ct = torch::rand(ct_shape, torch::TensorOptions().device(device));
  at::Tensor tokens;
  if (net->has_task(core::Task::rep)) {
    tokens = torch::randint(text::kEosId + 1, shape.vocab_size, {batch, config.model.report_decoder.max_tokens},
                            torch::TensorOptions().dtype(torch::kLong).device(device));
    tokens.select(1, 0).fill_(text::kBosId);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto out = net->forward(ct, tokens);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "forward of a dummy batch: ct " << ct.sizes() << (tokens.defined() ? ", tokens [" + std::to_string(batch) + ", " +
                                                                                         std::to_string(tokens.size(1)) + "]"
                                                                                   : std::string())
            << " on " << device.str() << " (" << seconds << " s)\n"
            << model::output_shapes(out);
}

struct ExportOptions {
  std::string run, out, checkpoint = "best";
  bool force = false;
};

void export_weights(const ExportOptions& options) {
  const std::filesystem::path out(options.out);
  if (std::filesystem::exists(out) && !options.force)
    throw Error("the output file exists").file(out.string()).hint("pass --force to replace it");
  const auto which = options.checkpoint == "last" ? experiments::RunWeights::last : experiments::RunWeights::best;
  const auto run = experiments::load_trained_run(options.run, which);
  const auto weights = model::module_weights(*run.model);
  model::write_tensor_archive(out, weights);
  std::int64_t values = 0;
  for (const auto& [name, tensor] : weights) values += tensor.numel();
  std::cout << "exported " << weights.size() << " tensors (" << values << " values) of " << options.run << " (" << options.checkpoint
            << ".pt) to " << out.string() << "\n"
            << "the PyTorch reference loads them by name with the run's config.yaml: scripts/reference/unict_reference/weights.py\n";
}

}  // namespace

void add_model_command(CLI::App& app, const GlobalOptions& globals) {
  CLI::App* cmd = app.add_subcommand("model", "Inspect the model a config builds");
  cmd->require_subcommand(1);
  auto options = std::make_shared<SummaryOptions>();
  CLI::App* summary_cmd = cmd->add_subcommand("summary", "Module tree with parameter counts, and output shapes of one forward pass");
  add_config_options(*summary_cmd, options->config);
  summary_cmd->add_option("--depth", options->depth, "Module levels to print")->check(CLI::Range(0, 20));
  summary_cmd->add_flag("--no-forward", options->no_forward, "Skip the forward pass (the tree and counts only)");
  summary_cmd->callback([options, &globals] { summary(*options, globals); });

  auto exported = std::make_shared<ExportOptions>();
  CLI::App* export_cmd = cmd->add_subcommand("export", "Write a run's weights (every parameter and buffer, by name) as an .npz");
  export_cmd->add_option("--run", exported->run, "The run folder")->required();
  export_cmd->add_option("--out", exported->out, "The .npz to write")->required();
  export_cmd->add_option("--checkpoint", exported->checkpoint, "best (the selected weights of a finished run) or last")
      ->check(CLI::IsMember({"best", "last"}));
  export_cmd->add_flag("--force", exported->force, "Replace --out when it exists");
  export_cmd->callback([exported] { export_weights(*exported); });
}

}  // namespace unict::cli

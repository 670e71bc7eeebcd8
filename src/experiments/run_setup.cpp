#include "unict/experiments/run_setup.h"

#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/core/torch_runtime.h"
#include "unict/data/prepare.h"
#include "unict/data/samples.h"
#include "unict/experiments/run_folder.h"
#include "unict/train/checkpoint.h"
#include "unict/train/trainer.h"

namespace unict::experiments {

RunData load_run_data(const Config& c, const data::DatasetSpec& dataset) {
  RunData out;
  out.labels = data::load_label_set(c.data.label_set);
  out.samples = dataset.read(c.data, out.labels);
  if (c.model.has_task(core::Task::rep) && dataset.scores(core::Task::rep)) data::require_reports(c.data, out.samples);
  data::PrepareOptions options;
  options.cache_root = c.data.cache_dir;
  options.dataset = dataset.id;
  options.on_error = c.data.on_error;
  options.threads = static_cast<std::size_t>(c.run.threads);
  const auto settings = data::cache_settings(out.samples, c.preprocess, c.data, dataset);
  out.cache = data::prepare_cache(out.samples, c.preprocess, settings, options).folder;
  return out;
}

data::Tokenize make_tokenize(std::shared_ptr<const text::ReportTokenizer> tokenizer, std::int64_t max_tokens) {
  return [tokenizer, max_tokens](const std::vector<std::string>& reports) {
    std::vector<std::vector<std::int64_t>> framed;
    std::size_t longest = 0;
    for (const auto& r : reports) {
      framed.push_back(tokenizer->frame(r, max_tokens));
      longest = std::max(longest, framed.back().size());
    }
    at::Tensor tokens = torch::full({static_cast<std::int64_t>(reports.size()), static_cast<std::int64_t>(longest)},
                                    text::ReportTokenizer::kPad, torch::kInt64);
    auto* data = tokens.data_ptr<std::int64_t>();
    for (std::size_t b = 0; b < framed.size(); ++b) std::copy(framed[b].begin(), framed[b].end(), data + b * longest);
    return tokens;
  };
}

TrainedRun load_trained_run(const std::filesystem::path& dir, RunWeights weights) {
  if (weights == RunWeights::best && !training_finished(dir))
    throw Error("no finished training in this folder").file(dir.string()).hint("train it first (unict train / unict cv), or --resume it");
  if (weights == RunWeights::last && !training_started(dir))
    throw Error("no checkpoint in this folder").file(dir.string()).hint("train it first (unict train / unict cv)");
  LoadedConfig loaded = load_config(config_file(dir));
  TrainedRun run{dir, std::move(loaded.resolved), std::move(loaded.typed), nullptr, nullptr, "", {}};
  run.device = core::resolve_device_name(run.config.run.device);
  run.tokenizer = std::make_shared<text::ReportTokenizer>(text::ReportTokenizer::load(tokenizer_file(dir)));
  run.classes = data::load_label_set(run.config.data.label_set).names();
  model::ModelShape shape{static_cast<std::int64_t>(run.classes.size()), run.tokenizer->vocab_size(), run.config.preprocess.size};
  run.model = model::build_model(run.config.model, shape, static_cast<std::uint64_t>(run.config.run.seed));
  const auto checkpoint = weights == RunWeights::best ? train::best_checkpoint(dir) : train::last_checkpoint(dir);
  train::load_checkpoint(checkpoint, *run.model, nullptr, run.device, false);
  run.model->to(torch::Device(run.device));
  run.model->eval();
  return run;
}

}  // namespace unict::experiments

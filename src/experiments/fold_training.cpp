#include "unict/experiments/fold_training.h"

#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/core/seed.h"
#include "unict/core/torch_runtime.h"
#include "unict/data/splits.h"
#include "unict/experiments/run_folder.h"
#include "unict/experiments/run_setup.h"
#include "unict/io/json.h"
#include "unict/train/process_group.h"

namespace unict::experiments {

namespace fs = std::filesystem;

fs::path experiment_folder(const Config& config) { return config.run.output_root / config.run.name; }

namespace {

// What a fold trains on: made by train_fold (and written to the run folder), or read back from
// the folder by resume_fold.
struct FoldInputs {
  Config config;
  FoldVolumes volumes;
  RunData data;
  std::shared_ptr<const text::ReportTokenizer> tokenizer;
};

train::TrainOutcome train_in(const fs::path& run_dir, const core::ResolvedConfig& resolved, const FoldInputs& fold, bool resume,
                             bool show_progress, train::TrainerHooks hooks, std::shared_ptr<train::ProcessGroup> group) {
  const Config& c = fold.config;
  const FoldVolumes& volumes = fold.volumes;
  const RunData& data = fold.data;
  const auto& tokenizer = fold.tokenizer;

  train::TrainerInputs in;
  in.run_dir = run_dir;
  in.train = c.train;
  in.loader = c.loader;
  in.model = c.model;
  in.classes = data.labels.names();
  in.shape = {static_cast<std::int64_t>(in.classes.size()), tokenizer->vocab_size(), c.preprocess.size};
  in.seed = static_cast<std::uint64_t>(c.run.seed);
  in.device = core::resolve_device_name(c.run.device);
  // One GPU per rank of a node: cuda:LOCAL_RANK.
  if (group && group->distributed() && in.device == "cuda") in.device = "cuda:" + std::to_string(group->local_rank());
  in.group = group;
  in.distributed = c.distributed;
  in.config_yaml = resolved.to_yaml();
  in.train_items = data::cache_items(data.cache, volumes.train);
  if (c.train.shuffled_targets_control) {
    // Every training volume learns another volume's targets: what a model can reach this way is chance.
    core::Rng rng(in.seed, "shuffled-targets-control");
    std::vector<std::size_t> order(in.train_items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    rng.shuffle(order);
    for (std::size_t i = 0; i < order.size(); ++i) in.train_items[i].targets = in.train_items[order[i]].file;
    spdlog::warn("control run: the training targets are shuffled across volumes (train.shuffled_targets_control)");
  }
  in.val_items = data::cache_items(data.cache, volumes.val);
  in.tokenize = make_tokenize(tokenizer, c.model.report_decoder.max_tokens);
  in.show_progress = show_progress;
  if (in.train_items.size() != volumes.train.size())
    spdlog::warn("{} of the fold's {} training volumes are in the cache (the rest were left out by prepare)", in.train_items.size(),
                 volumes.train.size());
  core::seed_torch(in.seed);
  return train::run_training(in, resume, std::move(hooks));
}

// The run's data, with the cache prepared once: in a distributed run rank 0 prepares it while the
// others wait, then they find every item there (a shared file system) or prepare their own.
RunData load_data(const Config& c, const std::shared_ptr<train::ProcessGroup>& group) {
  if (!group || !group->distributed()) return load_run_data(c, data::training_dataset());
  if (group->is_root()) {
    RunData data = load_run_data(c, data::training_dataset());
    group->share_from_root("prepared cache", data.cache.string(), train::ProcessGroup::kRootWorkWait);
    return data;
  }
  group->share_from_root("prepared cache", "", train::ProcessGroup::kRootWorkWait);
  return load_run_data(c, data::training_dataset());
}

}  // namespace

train::TrainOutcome train_fold(const LoadedConfig& config, const FoldTrainOptions& options, train::TrainerHooks hooks) {
  const core::ResolvedConfig& resolved = config.resolved;
  FoldInputs fold{config.typed, {}, {}, nullptr};
  const Config& c = fold.config;
  const fs::path run_dir = options.run_dir.empty() ? fold_folder(c.run.output_root / c.run.name, options.fold) : options.run_dir;
  const bool root = !options.group || options.group->is_root();
  core::FolderLock lock;  // held until the training returns
  if (root) lock = claim_run_folder(run_dir, options.force);

  fold.data = load_data(c, options.group);
  const data::Splits splits = data::make_splits(fold.data.samples, c.split, static_cast<std::uint64_t>(c.run.seed));
  fold.volumes = fold_volumes(splits, options.fold);
  const FoldVolumes& volumes = fold.volumes;
  // The tokenizer sees this fold's training reports only.
  fold.tokenizer = std::make_shared<const text::ReportTokenizer>(text::ReportTokenizer::train(
      data::training_reports(fold.data.samples, splits.fold[static_cast<std::size_t>(options.fold)]), c.model.tokenizer));
  const auto& tokenizer = *fold.tokenizer;
  if (root) {
    tokenizer.save(tokenizer_file(run_dir));
    io::write_json(split_file(run_dir), to_json(volumes));
    io::write_json(run_info_file(run_dir),
                   {{"fold", options.fold}, {"dataset", data::training_dataset().id}, {"unict_version", UNICT_VERSION}});
    // Last: config.yaml marks the folder as holding a run.
    core::write_file_atomic(config_file(run_dir), resolved.to_yaml(core::ResolvedConfig::YamlOptions{true, false}));
  }
  spdlog::info("fold {}: {} training, {} validation, {} test volumes; tokenizer of {} pieces; run folder {}", options.fold,
               volumes.train.size(), volumes.val.size(), volumes.test.size(), tokenizer.vocab_size(), run_dir.string());
  return train_in(run_dir, resolved, fold, false, options.show_progress, std::move(hooks), options.group);
}

train::TrainOutcome resume_fold(const fs::path& run_dir, bool show_progress, train::TrainerHooks hooks,
                                std::shared_ptr<train::ProcessGroup> group) {
  if (!fs::exists(config_file(run_dir))) throw Error("not a run folder (no config.yaml)").file(run_dir.string());
  core::FolderLock lock;  // rank 0 writes the folder: it holds it until the training returns
  if (!group || group->is_root()) lock = lock_run_folder(run_dir);
  if (training_finished(run_dir)) throw Error("this run has finished; nothing to resume").file(run_dir.string());
  if (!training_started(run_dir))
    throw Error("the run has no checkpoint yet").file(run_dir.string()).hint("start it again with --force");
  const LoadedConfig config = load_config(config_file(run_dir));
  FoldInputs fold{config.typed, read_fold_volumes(run_dir), {}, nullptr};
  fold.data = load_data(fold.config, group);
  fold.tokenizer = std::make_shared<const text::ReportTokenizer>(text::ReportTokenizer::load(tokenizer_file(run_dir)));
  return train_in(run_dir, config.resolved, fold, true, show_progress, std::move(hooks), std::move(group));
}

}  // namespace unict::experiments

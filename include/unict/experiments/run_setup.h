// What training, evaluation and prediction share: the samples and prepared cache of a data set,
// the report tokenizer as the loader's Tokenize hook, and a trained run loaded back from its
// folder (config, tokenizer, best weights).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "unict/core/resolved_config.h"
#include "unict/data/dataset_registry.h"
#include "unict/data/label_set.h"
#include "unict/data/loader.h"
#include "unict/data/samples.h"
#include "unict/experiments/config.h"
#include "unict/model/unict_model.h"
#include "unict/text/tokenizer.h"

namespace unict::experiments {

struct RunData {
  data::LabelSet labels;
  data::SampleSet samples;
  std::filesystem::path cache;  // the prepared cache folder (manifest.json, items/)
};

// Reads the data set and prepares its cache; finished items are reused, so this is quick once
// `unict prepare` has run.
RunData load_run_data(const Config& config, const data::DatasetSpec& dataset);

// Reports -> [B, L] int64: BOS, pieces, EOS, then PAD up to the longest report of the batch.
data::Tokenize make_tokenize(std::shared_ptr<const text::ReportTokenizer> tokenizer, std::int64_t max_tokens);

struct TrainedRun {
  std::filesystem::path dir;
  core::ResolvedConfig resolved;
  Config config;
  std::shared_ptr<const text::ReportTokenizer> tokenizer;
  model::UniCT model{nullptr};  // the chosen weights (best by default), eval mode, on `device`
  std::string device;
  std::vector<std::string> classes;
};

// Which checkpoint of a run to load: the selected one of a finished training, or the latest
// (training need not have finished).
enum class RunWeights { best, last };

// Errors name the run folder when it holds no finished training (best) or no checkpoint (last).
TrainedRun load_trained_run(const std::filesystem::path& dir, RunWeights weights = RunWeights::best);

}  // namespace unict::experiments

#include "unict/experiments/evaluation.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/core/join.h"
#include "unict/core/number_format.h"
#include "unict/core/progress.h"
#include "unict/data/cache_item.h"
#include "unict/data/class_labels.h"
#include "unict/data/intensity_window.h"
#include "unict/data/resample.h"
#include "unict/eval/classification_report.h"
#include "unict/eval/figures.h"
#include "unict/eval/metric_values_json.h"
#include "unict/eval/report_evaluation.h"
#include "unict/eval/report_files.h"
#include "unict/eval/segmentation_report.h"
#include "unict/experiments/run_folder.h"
#include "unict/experiments/run_setup.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"
#include "unict/text/report_labeler.h"
#include "unict/train/checkpoint.h"
#include "unict/train/trainer.h"
#include "unict/train/validation.h"

namespace unict::experiments {

namespace fs = std::filesystem;

namespace {

// What one pass of the model over some volumes gives.
struct Predictions {
  std::vector<std::string> names;                     // one per volume
  std::vector<std::string> classes;                   // the run's classes
  std::vector<double> scores;                         // volume-major: one probability per run class
  data::ClassLabels labels;                           // as the cache holds them (in the run's classes or the data set's own)
  std::vector<std::vector<std::uint8_t>> masks;       // per volume: C x Z x Y x X on the grid (empty without seg)
  std::vector<std::vector<std::uint8_t>> truth;       // same, ground truth
  std::vector<bool> has_truth;                        // per volume: whether it has a ground-truth mask to be scored against
  std::vector<std::string> reports, references;
  std::vector<std::vector<double>> attention;         // per volume: T x T
  std::array<std::int64_t, 3> grid{};
};

// finding_thresholds: the per-class operating points the report decoder reads the class head's
// findings at (model.report_reads_cls); empty = 0.5 each.
Predictions predict(TrainedRun& run, const std::vector<data::LoaderItem>& items, bool segment, bool generate, const std::string& label,
                    const std::vector<double>& finding_thresholds = {}) {
  Predictions p;
  p.classes = run.classes;
  data::BatchLoader loader(items, run.config.train.batch_size, data::evaluation_loader_config(run.config.loader),
                           static_cast<std::uint64_t>(run.config.run.seed), run.device);
  torch::NoGradGuard no_grad;
  core::Progress progress(label, items.size());
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    const auto out = run.model->forward(batch->ct);
    const auto sizes = batch->ct.sizes();
    p.grid = {sizes[2], sizes[3], sizes[4]};
    const std::int64_t b_count = sizes[0];
    at::Tensor probs = out.cls_logits.defined() ? torch::sigmoid(out.cls_logits.to(torch::kFloat64)).cpu().contiguous()
                                                : torch::full({b_count, static_cast<std::int64_t>(run.classes.size())}, 0.5, torch::kFloat64);
    // Kept in the classes the cache gives them in; scored_cases maps them when needed.
    const at::Tensor labels = batch->labels.to(torch::kCPU, torch::kUInt8).contiguous();
    at::Tensor masks, attention;
    if (segment && out.seg_logits.defined())
      masks = train::predicted_masks(out.seg_logits, sizes.slice(2), out.cls_logits, run.config.model.model.seg_detection_gate)
                  .to(torch::kUInt8)
                  .cpu()
                  .contiguous();
    if (out.attention.defined()) attention = out.attention.to(torch::kFloat64).cpu().contiguous();
    model::Generated generated;
    if (generate && run.model->has_task(core::Task::rep)) generated = run.model->generate(batch->ct, run.config.model.decode, finding_thresholds);
    const at::Tensor truth = batch->masks.to(torch::kCPU, torch::kUInt8).contiguous();
    const at::Tensor has_truth = batch->has_mask.to(torch::kCPU).contiguous();
    for (std::int64_t b = 0; b < b_count; ++b) {
      p.names.push_back(batch->names[static_cast<std::size_t>(b)]);
      const double* pr = probs[b].data_ptr<double>();
      p.scores.insert(p.scores.end(), pr, pr + probs.size(1));
      p.labels.append(batch->label_classes, labels[b].data_ptr<std::uint8_t>());
      if (masks.defined()) {
        p.masks.emplace_back(masks[b].data_ptr<std::uint8_t>(), masks[b].data_ptr<std::uint8_t>() + masks[b].numel());
        p.truth.emplace_back(truth[b].data_ptr<std::uint8_t>(), truth[b].data_ptr<std::uint8_t>() + truth[b].numel());
        p.has_truth.push_back(has_truth[b].item<bool>());
      }
      if (attention.defined()) p.attention.emplace_back(attention[b].data_ptr<double>(), attention[b].data_ptr<double>() + attention[b].numel());
      if (!generated.empty()) p.reports.push_back(run.tokenizer->decode(generated[static_cast<std::size_t>(b)]));
      p.references.push_back(batch->reports[static_cast<std::size_t>(b)]);
    }
    progress.advance(static_cast<std::size_t>(b_count));
  }
  progress.finish();
  return p;
}

// The predictions as cases of the classes being scored: the run's, or a data set's own
// (`external`: each a merge of run classes, its probability the max or the noisy OR of its
// members'). Labels already in the scored classes are used as they are; labels in the run's
// classes are merged like the probabilities (an OR). Labels in other classes are an Error.
eval::ScoredCases scored_cases(const Predictions& p, const std::vector<data::LabelSet::ExternalClass>* external) {
  eval::ScoredCases out;
  out.names = p.names;
  if (!external) {
    out.classes = p.classes, out.scores = p.scores;
  } else {
    for (const auto& e : *external) out.classes.push_back(e.name);
    const std::size_t c_in = p.classes.size();
    for (std::size_t i = 0; i < p.names.size(); ++i)
      for (const auto& e : *external) {
        double combined = e.combine == data::MergeRule::max ? 0.0 : 1.0;
        for (auto m : e.members) {
          const double s = p.scores[i * c_in + m];
          if (e.combine == data::MergeRule::max) combined = std::max(combined, s);
          else combined *= 1.0 - s;
        }
        out.scores.push_back(e.combine == data::MergeRule::max ? combined : 1.0 - combined);
      }
  }
  if (p.names.empty() || p.labels.classes == out.classes) {
    out.labels = p.labels.values;
  } else if (external && p.labels.classes == p.classes) {
    const std::size_t c_in = p.classes.size();
    for (std::size_t i = 0; i < p.names.size(); ++i)
      for (const auto& e : *external) {
        std::uint8_t label = 0;
        for (auto m : e.members) label |= p.labels.values[i * c_in + m];
        out.labels.push_back(label);
      }
  } else {
    throw Error("the cached labels are in other classes than the ones scored")
        .value(core::join(p.labels.classes))
        .expected(core::join(out.classes))
        .hint("prepare the data set's cache again with this label set (unict prepare)");
  }
  return out;
}

void write_cls_csv(const fs::path& folder, const eval::ScoredCases& cases) {
  std::vector<std::string> header{"VolumeName"};
  header.insert(header.end(), cases.classes.begin(), cases.classes.end());
  std::vector<std::vector<std::string>> scores, labels;
  const std::size_t c = cases.classes.size();
  for (std::size_t i = 0; i < cases.cases(); ++i) {
    scores.push_back({cases.names[i]});
    labels.push_back({cases.names[i]});
    for (std::size_t k = 0; k < c; ++k) {
      scores.back().push_back(core::significant(cases.scores[i * c + k], 9));
      labels.back().push_back(std::to_string(cases.labels[i * c + k]));
    }
  }
  io::write_csv(folder / "predictions_cls.csv", header, scores);
  io::write_csv(folder / "labels_cls.csv", header, labels);
}

io::Geometry grid_geometry(const data::CacheHeader& header) {
  io::Geometry g = io::Geometry::identity(4);
  for (std::size_t a = 0; a < 3; ++a) {
    g.spacing[a] = header.spacing_zyx[2 - a];
    g.origin[a] = header.origin_xyz[a];
  }
  return g;
}

void write_class_masks(const fs::path& file, const std::vector<std::uint8_t>& voxels, std::int64_t classes, const std::array<std::int64_t, 3>& zyx,
                       const io::Geometry& geometry) {
  io::Volume v;
  v.array = io::NdArray(io::DType::uint8, {classes, zyx[0], zyx[1], zyx[2]});
  std::copy(voxels.begin(), voxels.end(), v.array.data<std::uint8_t>());
  v.geometry = geometry;
  io::write_nifti(file, v);
}

// Each volume's predicted masks back in the geometry of its original CT file.
void write_original_geometry_masks(const fs::path& folder, const Predictions& p, const std::vector<data::LoaderItem>& items,
                                   const data::SampleSet& samples, std::int64_t classes) {
  eval::write_mask_folder_classes(folder, p.classes);
  std::map<std::string, const data::Sample*> by_name;
  for (const auto& s : samples.samples) by_name[s.name] = &s;
  for (std::size_t i = 0; i < p.masks.size(); ++i) {
    const auto* sample = by_name.at(p.names[i]);
    const auto info = io::read_nifti_info(sample->ct.file);
    const io::Geometry original = sample->ct.geometry ? *sample->ct.geometry : info.geometry;
    io::Geometry grid = grid_geometry(data::map_cache_item(items[i].file).header);
    grid.spacing.resize(3), grid.origin.resize(3), grid.direction = io::Geometry::identity(3).direction;
    io::write_nifti(folder / (p.names[i] + ".nii.gz"),
                    data::class_masks_to_grid(p.masks[i].data(), static_cast<std::size_t>(classes), p.grid, grid, info.dims, original));
  }
}

// attention.json: per volume and the mean; nullopt without the fusion block.
std::optional<TaskAttention> write_attention(const fs::path& file, const Predictions& p, const std::vector<std::string>& tasks) {
  if (p.attention.empty()) return std::nullopt;
  const std::size_t t = tasks.size();
  std::vector<std::vector<double>> mean(t, std::vector<double>(t, 0.0));
  nlohmann::json per_volume = nlohmann::json::object();
  for (std::size_t v = 0; v < p.attention.size(); ++v) {
    std::vector<std::vector<double>> m(t, std::vector<double>(t));
    for (std::size_t i = 0; i < t; ++i)
      for (std::size_t j = 0; j < t; ++j) {
        m[i][j] = p.attention[v][i * t + j];
        mean[i][j] += m[i][j] / static_cast<double>(p.attention.size());
      }
    per_volume[p.names[v]] = m;
  }
  io::write_json(file, {{"tasks", tasks}, {"mean", mean}, {"volumes", per_volume}});
  return TaskAttention{tasks, mean};
}

// The example figure: the test volume with the largest lesion, on the axial slice where it is widest.
void plot_example_figure(const Predictions& p, const std::vector<data::LoaderItem>& items, const fs::path& png) {
  if (p.truth.empty()) return;
  const std::int64_t nz = p.grid[0], ny = p.grid[1], nx = p.grid[2], slice = ny * nx, classes = static_cast<std::int64_t>(p.classes.size());
  std::size_t best_volume = 0;
  std::int64_t best_z = nz / 2, best_count = -1;
  for (std::size_t v = 0; v < p.truth.size(); ++v)
    for (std::int64_t z = 0; z < nz; ++z) {
      std::int64_t count = 0;
      for (std::int64_t c = 0; c < classes; ++c)
        for (std::int64_t i = 0; i < slice; ++i) count += p.truth[v][static_cast<std::size_t>((c * nz + z) * slice + i)];
      if (count > best_count) best_count = count, best_volume = v, best_z = z;
    }
  const auto item = data::read_cache_item(items[best_volume].file, false);
  const data::IntensityWindow window(item.header.dtype, item.header.hu_min, item.header.hu_max);
  eval::ExamplePanel panel;
  panel.height = ny, panel.width = nx;
  panel.truth.assign(static_cast<std::size_t>(slice), 0);
  panel.predicted.assign(static_cast<std::size_t>(slice), 0);
  for (std::int64_t i = 0; i < slice; ++i) {
    const std::size_t at = static_cast<std::size_t>(best_z * slice + i);
    panel.slice.push_back(window(static_cast<float>(item.ct.value_at(at))));
    for (std::int64_t c = 0; c < classes; ++c) {
      const std::size_t m = static_cast<std::size_t>((c * nz + best_z) * slice + i);
      panel.truth[static_cast<std::size_t>(i)] |= p.truth[best_volume][m];
      panel.predicted[static_cast<std::size_t>(i)] |= p.masks[best_volume][m];
    }
  }
  panel.title = p.names[best_volume] + ", axial slice " + std::to_string(best_z);
  if (best_volume < p.reports.size()) panel.generated_report = p.reports[best_volume];
  panel.reference_report = p.references[best_volume];
  eval::plot_example(panel, png);
}

fs::path labeler_file(const fs::path& label_set) {
  return label_set.parent_path() / (label_set.stem().string() + "_labeler.yaml");
}

std::vector<std::string> classes_without_positives(const eval::ClassificationReport& report) {
  std::vector<std::string> out;
  for (const auto& c : report.result.per_class)
    if (c.positives == 0) out.push_back(c.name);
  return out;
}

}  // namespace

nlohmann::json to_json(const EvaluationResult& r) {
  nlohmann::json j{{"dataset", r.dataset}, {"volumes", r.volumes}, {"run", r.run.string()}, {"checkpoint", r.checkpoint.string()},
                   {"tasks", core::task_names(r.tasks)}};
  if (!r.split.empty()) j["split"] = r.split;
  const auto key = [](core::Task t) { return std::string(core::task_name(t)); };
  if (r.cls) {
    j[key(core::Task::cls)] = eval::to_json(*r.cls);
    j["classes_without_positives"] = classes_without_positives(*r.cls);
  }
  if (r.seg) {
    auto& seg = j[key(core::Task::seg)] = eval::to_json(*r.seg);
    seg["scored_on"] = "the preprocessed grid (masks_grid/) of the volumes with a ground-truth mask; masks/ holds every volume's predicted "
                       "masks in its CT's original geometry";
    seg["masks_kept_where_class_probability_at_least"] = r.seg_detection_gate > 0 ? nlohmann::json(r.seg_detection_gate) : nlohmann::json(nullptr);
  }
  if (r.rep) {
    auto& rep = j[key(core::Task::rep)] = r.rep->details;
    rep["ce"]["labeler"] = r.labeler.string();
  }
  if (r.attention) j["attention"] = {{"tasks", r.attention->tasks}, {"mean", r.attention->mean}};
  j["metrics"] = eval::to_json(r.metrics);
  return j;
}

ScoredMetrics read_scored_metrics(const fs::path& results_json) {
  const auto j = io::read_json(results_json);
  if (!j.contains("metrics") || !j.contains("tasks") || !j["tasks"].is_array())
    throw Error("not an evaluation's results (no \"metrics\" or \"tasks\")").file(results_json.string()).hint("evaluate the run again with --force");
  ScoredMetrics out;
  try {
    out.tasks = core::parse_tasks(j["tasks"].get<std::vector<std::string>>());
  } catch (Error& e) {
    throw e.file(results_json.string()).key("tasks");
  }
  out.metrics = eval::metric_values_from_json(j["metrics"], results_json.string());
  return out;
}

namespace {

// The volumes an evaluation scores: the fold's test or val volumes of the training data set, or
// every volume of an external one (in the manifest's order; predictions follow it).
std::vector<data::LoaderItem> evaluated_items(const data::DatasetSpec& dataset, const fs::path& cache, const FoldVolumes& volumes,
                                              const std::string& split) {
  if (!dataset.trains) return data::cache_items(cache);
  return data::cache_items(cache, split == "test" ? volumes.test : volumes.val);
}

// Scores the classification in the data set's classes and writes its CSVs, thresholds and figure.
eval::ClassificationReport score_classification(const fs::path& folder, const eval::ScoredCases& cases, const std::map<std::string, double>& chosen,
                                                std::size_t bootstrap, std::uint64_t seed) {
  write_cls_csv(folder, cases);
  std::vector<double> thresholds;
  if (!chosen.empty()) {
    eval::write_thresholds(thresholds_file(folder), chosen, "maximum F1 on the fold's validation volumes");
    for (const auto& c : cases.classes) thresholds.push_back(chosen.at(c));
  }
  eval::plot_roc_pr(cases, folder / "figures" / "roc_pr.png");
  return eval::classification_report(cases, thresholds, bootstrap, seed);
}

// Writes the masks (grid and original geometry) and scores the grid ones as written.
eval::SegmentationReport score_segmentation(const fs::path& folder, const Predictions& p, const std::vector<data::LoaderItem>& items,
                                            const data::SampleSet& samples) {
  const auto c = static_cast<std::int64_t>(p.classes.size());
  for (const char* part : {"pred", "truth"}) eval::write_mask_folder_classes(folder / "masks_grid" / part, p.classes);
  for (std::size_t i = 0; i < p.masks.size(); ++i) {
    if (!p.has_truth[i]) continue;  // no mask to score against (a challenge test entry): its prediction is in masks/ only
    const auto geometry = grid_geometry(data::map_cache_item(items[i].file).header);
    write_class_masks(folder / "masks_grid" / "pred" / (p.names[i] + ".nii.gz"), p.masks[i], c, p.grid, geometry);
    write_class_masks(folder / "masks_grid" / "truth" / (p.names[i] + ".nii.gz"), p.truth[i], c, p.grid, geometry);
  }
  write_original_geometry_masks(folder / "masks", p, items, samples, c);
  return eval::evaluate_segmentation(folder / "masks_grid" / "pred", folder / "masks_grid" / "truth");
}

// Writes the generated and reference reports and scores them as written.
eval::ReportEvaluation score_reports(const fs::path& folder, const Predictions& p, const fs::path& labeler_vocabulary,
                                     const std::vector<std::string>& classes) {
  std::vector<std::pair<std::string, std::string>> generated, references;
  for (std::size_t i = 0; i < p.names.size(); ++i) {
    generated.emplace_back(p.names[i], p.reports[i]);
    references.emplace_back(p.names[i], p.references[i]);
  }
  eval::write_report_lines(folder / "reports.jsonl", generated);
  eval::write_report_lines(folder / "references.jsonl", references);
  const text::ReportLabeler labeler(text::load_labeler_config(labeler_vocabulary, classes));
  return eval::evaluate_report_files(folder / "reports.jsonl", folder / "references.jsonl", labeler, classes);
}

}  // namespace

EvaluationResult evaluate_run(const fs::path& run_dir, const EvaluateOptions& options) {
  const data::DatasetSpec& dataset = options.dataset.empty() ? data::training_dataset() : data::dataset_spec(options.dataset);
  if (dataset.trains && options.split != "test" && options.split != "val")
    throw Error("unknown split").key("--split").value(options.split).expected("test or val");
  const core::FolderLock lock = lock_run_folder(run_dir);
  const fs::path folder = evaluation_folder(run_dir, dataset, options.split);
  if (fs::exists(results_file(folder)) && !options.force)
    throw Error("this evaluation exists").file(results_file(folder).string()).hint("pass --force to redo it");
  TrainedRun run = load_trained_run(run_dir);
  const FoldVolumes volumes = read_fold_volumes(run_dir);
  const RunData training_data = load_run_data(run.config, data::training_dataset());
  const RunData data = dataset.trains ? training_data : load_run_data(run.config, dataset);
  const auto items = evaluated_items(dataset, data.cache, volumes, options.split);
  if (items.empty()) throw Error("no volumes to evaluate").file(data.cache.string());
  fs::remove_all(folder);
  fs::create_directories(folder / "figures");
  const std::string part = dataset.trains ? options.split : dataset.title;
  spdlog::info("evaluating {} on {} {} volumes ({})", train::best_checkpoint(run_dir).string(), items.size(), part, run.device);

  // The classes scored: the run's, or the data set's own.
  const auto own_classes = dataset.own_classes ? dataset.own_classes(data.labels) : std::vector<data::LabelSet::ExternalClass>{};
  const auto* scored_in = dataset.own_classes ? &own_classes : nullptr;
  // Thresholds: best F1 on the fold's validation volumes (their classification only), in the
  // classes being scored.
  const bool classify = run.model->has_task(core::Task::cls) && dataset.scores(core::Task::cls);
  const auto val_items = data::cache_items(training_data.cache, volumes.val);
  std::map<std::string, double> chosen;
  if (classify && !val_items.empty()) chosen = eval::choose_thresholds(scored_cases(predict(run, val_items, false, false, "val"), scored_in));
  // The reports state the findings at the same operating points as the classification metrics.
  std::vector<double> finding_thresholds;
  if (!dataset.own_classes && !chosen.empty())
    for (const auto& c : run.classes) finding_thresholds.push_back(chosen.at(c));
  const bool segment = run.model->has_task(core::Task::seg) && dataset.scores(core::Task::seg);
  const bool report = run.model->has_task(core::Task::rep) && dataset.scores(core::Task::rep);
  const Predictions p = predict(run, items, segment, report, dataset.trains ? options.split : dataset.id, finding_thresholds);

  EvaluationResult r;
  r.dataset = dataset.id, r.volumes = items.size(), r.run = run_dir, r.checkpoint = train::best_checkpoint(run_dir), r.tasks = run.model->tasks();
  if (dataset.trains) r.split = options.split;
  if (classify) {
    r.cls = score_classification(folder, scored_cases(p, scored_in), chosen, options.bootstrap, static_cast<std::uint64_t>(run.config.run.seed));
    r.metrics.merge(eval::macro_metric_values(r.cls->result));
    // Said out loud: such a class is scored nowhere, and a label mapping gone wrong looks like this.
    if (const auto none = classes_without_positives(*r.cls); !none.empty())
      spdlog::warn("evaluation: no {} volume is positive for {}: their metrics are undefined and left out of the macro means", part,
                   nlohmann::json(none).dump());
  }
  if (segment && !p.masks.empty()) {
    r.seg = score_segmentation(folder, p, items, data.samples);
    r.seg_detection_gate = run.config.model.model.seg_detection_gate;
    r.metrics.merge(eval::metric_values(*r.seg));
  }
  if (report) {
    r.labeler = labeler_file(run.config.data.label_set);
    r.rep = score_reports(folder, p, r.labeler, run.classes);
    r.metrics.merge(r.rep->metrics);
  }
  const auto task_names = core::task_names(run.model->tasks());
  r.attention = write_attention(folder / "attention.json", p, task_names);
  if (r.attention && task_names.size() > 1)
    eval::plot_attention(r.attention->mean, task_names, "task attention, mean over " + std::to_string(p.attention.size()) + " volumes",
                         folder / "figures" / "attention.png");
  if (segment) plot_example_figure(p, items, folder / "figures" / "example.png");
  if (fs::exists(train::metrics_file(run_dir))) eval::plot_training_curves(train::metrics_file(run_dir), run_dir / "training_curves.png");
  io::write_json(results_file(folder), to_json(r));  // last: marks the evaluation finished
  return r;
}

}  // namespace unict::experiments

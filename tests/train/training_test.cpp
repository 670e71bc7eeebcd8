// The trainer and the experiment commands end to end on a tiny synthetic data set (12 patients,
// 16 x 24 x 24 volumes, a model of a few thousand parameters): every file of a cross-validation,
// skipping finished folds, bitwise resume after SIGKILL, SIGTERM, the non-finite guard, and the
// protection of finished runs.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_support.h"
#include "tiny_run.h"
#include "unict/core/torch_runtime.h"
#include "unict/data/synthetic.h"
#include "unict/eval/metric_registry.h"
#include "unict/experiments/config.h"
#include "unict/experiments/fold_training.h"
#include "unict/experiments/run_setup.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"
#include "unict/train/checkpoint.h"

namespace unict {
namespace {

namespace fs = std::filesystem;

// One data set and one config for the whole suite (writing them takes a few seconds).
class Training : public test::TinyRunSuite<Training> {
 protected:

  static experiments::LoadedConfig loaded(const std::vector<std::string>& overrides = {}) {
    return experiments::load_config(config_, overrides);
  }

  static int unict(const std::string& args, const fs::path& log) { return test::run_unict(args, log); }
  static pid_t start_unict(const std::string& args, const fs::path& log) { return test::start_unict(args, log); }
  static bool wait_for_lines(pid_t pid, const fs::path& metrics, std::size_t lines) { return test::wait_for_lines(pid, metrics, lines); }
  static std::map<std::string, at::Tensor> weights(const fs::path& run_dir, const fs::path& checkpoint) {
    return test::checkpoint_weights(run_dir, checkpoint);
  }
  static void expect_bitwise_equal(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b) {
    test::expect_bitwise_equal(a, b);
  }

  // Fold 0 trained in this process, into `run`, quietly.
  static experiments::FoldTrainOptions in_process(const fs::path& run) {
    core::configure_torch_threads(2);
    experiments::FoldTrainOptions options;
    options.run_dir = run;
    options.show_progress = false;
    return options;
  }

  // The CT-RATE file of a volume of the synthetic set.
  static fs::path ct_file(const std::string& name) {
    for (const auto& entry : fs::recursive_directory_iterator(*dir_ / "synthetic/ctrate"))
      if (entry.path().filename() == name + ".nii.gz") return entry.path();
    throw std::runtime_error("no CT file for " + name);
  }

};


TEST_F(Training, CrossValidationWritesEveryFileAndSkipsFinishedFolds) {
  const fs::path out = *dir_ / "cv";
  const int status = unict("cv --config " + config_.string() + " --out " + out.string(), *dir_ / "cv.log");
  ASSERT_EQ(status, 0) << test::slurp(*dir_ / "cv.log");
  for (const char* fold : {"fold0", "fold1"}) {
    const fs::path run = out / fold;
    for (const char* file : {"config.yaml", "run.json", "split.json", "tokenizer.model", "train.log", "metrics.jsonl", "checkpoints/last.pt",
                             "checkpoints/best.pt", "training.json", "training_curves.png", "test/predictions_cls.csv", "test/labels_cls.csv",
                             "test/thresholds.json", "test/masks/classes.json", "test/masks_grid/pred/classes.json",
                             "test/masks_grid/truth/classes.json", "test/reports.jsonl", "test/references.jsonl", "test/attention.json",
                             "test/results.json", "test/figures/roc_pr.png", "test/figures/attention.png", "test/figures/example.png",
                             "radchestct/predictions_cls.csv", "radchestct/results.json"})
      EXPECT_TRUE(fs::exists(run / file)) << (run / file);
    const auto split = io::read_json(run / "split.json");
    // One mask file per test volume, in the original CT's geometry: its grid is the CT's.
    EXPECT_EQ(test::file_names(run / "test/masks").size(), split["test"].size() + 1);
    for (const auto& name : split["test"]) {
      const auto ct = ct_file(name.get<std::string>());
      const auto mask = io::read_nifti_info(run / "test/masks" / (name.get<std::string>() + ".nii.gz"));
      const auto image = io::read_nifti_info(ct);
      ASSERT_EQ(mask.dims.size(), 4u);
      EXPECT_EQ(std::vector<std::int64_t>(mask.dims.begin(), mask.dims.begin() + 3), image.dims) << name;
      EXPECT_EQ(mask.dims[3], 10);
      for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(mask.geometry.origin[a], image.geometry.origin[a], 1e-3) << name;
    }
    const auto results = io::read_json(run / "test/results.json");
    for (const char* metric : {"cls.auroc_macro", "cls.ap_macro", "cls.f1_macro", "seg.dice_mean", "rep.bleu4", "rep.ce_f1_macro"})
      EXPECT_TRUE(results["metrics"].contains(metric)) << metric;
    // Every evaluation metric of the registry is recorded (the model has all three tasks).
    EXPECT_EQ(results["tasks"], nlohmann::json({"cls", "seg", "rep"}));
    for (const auto& m : eval::metric_registry()) {
      if (m.stage != eval::MetricStage::evaluation) continue;
      EXPECT_TRUE(results["metrics"].contains(m.id)) << m.id;
    }
    EXPECT_EQ(io::read_json(run / "training.json")["stop_reason"], "finished");
  }
  for (const char* file : {"summary.json", "summary.md", "summary.csv"}) EXPECT_TRUE(fs::exists(out / file)) << file;
  const auto summary = io::read_json(out / "summary.json");
  EXPECT_EQ(summary["folds"], nlohmann::json({0, 1}));
  ASSERT_TRUE(summary["metrics"].contains("rep.bleu4"));
  const auto& bleu = summary["metrics"]["rep.bleu4"];
  ASSERT_EQ(bleu["folds"].size(), 2u);
  const double a = bleu["folds"][0], b = bleu["folds"][1];
  EXPECT_NEAR(bleu["mean"].get<double>(), (a + b) / 2, 1e-12);
  EXPECT_NEAR(bleu["std"].get<double>(), std::fabs(a - b) / std::sqrt(2.0), 1e-12);  // sample std of two values
  // Every declared classification metric is recorded, undefined ones as null.
  EXPECT_TRUE(summary["metrics"].contains("radchestct.cls.auroc_macro"));
  EXPECT_TRUE(summary["metrics"].contains("radchestct.cls.accuracy_macro"));

  // A second cv skips both folds: nothing is retrained or re-evaluated.
  const auto trained_at = fs::last_write_time(out / "fold0/training.json");
  const auto evaluated_at = fs::last_write_time(out / "fold1/test/results.json");
  ASSERT_EQ(unict("cv --config " + config_.string() + " --out " + out.string() + " --log-level info", *dir_ / "cv2.log"), 0);
  EXPECT_EQ(fs::last_write_time(out / "fold0/training.json"), trained_at);
  EXPECT_EQ(fs::last_write_time(out / "fold1/test/results.json"), evaluated_at);
  EXPECT_CONTAINS(test::slurp(*dir_ / "cv2.log"), "fold 1: finished earlier");

  // Fold 0 again on its validation volumes: the run's config says run.log_level: warn, and
  // evaluate reads it, so its "evaluating ..." line stays off the console.
  ASSERT_EQ(unict("evaluate --run " + (out / "fold0").string() + " --split val --bootstrap 10", *dir_ / "evaluate.log"), 0)
      << test::slurp(*dir_ / "evaluate.log");
  EXPECT_TRUE(fs::exists(out / "fold0/val/results.json"));
  EXPECT_EQ(test::slurp(*dir_ / "evaluate.log").find(" info] "), std::string::npos) << test::slurp(*dir_ / "evaluate.log");

  // One new scan through fold 0 (one of its test volumes): probabilities, masks in the scan's
  // geometry, a report.
  const std::string name = io::read_json(out / "fold0/split.json")["test"][0];
  const fs::path scan = ct_file(name), prediction = *dir_ / "prediction";
  ASSERT_EQ(unict("predict --run " + (out / "fold0").string() + " --input " + scan.string() + " --out " + prediction.string(),
                  *dir_ / "predict.log"), 0) << test::slurp(*dir_ / "predict.log");
  const auto probabilities = io::read_json(prediction / "probabilities.json")["probabilities"];
  ASSERT_EQ(probabilities.size(), 10u);
  for (const auto& [cls, p] : probabilities.items()) EXPECT_TRUE(p.get<double>() > 0 && p.get<double>() < 1) << cls;
  // predict preprocesses the scan in memory; the model must see what evaluate gave it from the
  // cache (the same volume, the same intensity window): the same probabilities.
  const auto evaluated = io::read_csv(out / "fold0/test/predictions_cls.csv");
  bool found = false;
  for (const auto& row : evaluated.rows) {
    if (row.at(0) != name) continue;
    found = true;
    for (std::size_t c = 1; c < evaluated.header.size(); ++c)
      EXPECT_NEAR(probabilities.at(evaluated.header[c]).get<double>(), std::stod(row.at(c)), 1e-6) << evaluated.header[c];
  }
  EXPECT_TRUE(found) << name << " is not among fold 0's evaluated test volumes";
  const auto masks = io::read_nifti_info(prediction / "masks.nii.gz");
  EXPECT_EQ(std::vector<std::int64_t>(masks.dims.begin(), masks.dims.begin() + 3), io::read_nifti_info(scan).dims);
  EXPECT_TRUE(fs::exists(prediction / "report.txt"));
  EXPECT_FALSE(fs::exists(prediction / ".input.uct"));
  EXPECT_EQ(unict("predict --run " + (out / "fold0").string() + " --input " + scan.string() + " --out " + prediction.string(),
                  *dir_ / "predict2.log"), 2);
  EXPECT_CONTAINS(test::slurp(*dir_ / "predict2.log"), "--force");

  // The weights for NumPy / PyTorch: every tensor of best.pt under its name, read back by PyTorch
  // from the checkpoint itself; an existing export is kept unless --force.
  const fs::path exported = *dir_ / "weights.npz";
  ASSERT_EQ(unict("model export --run " + (out / "fold0").string() + " --out " + exported.string(), *dir_ / "export.log"), 0)
      << test::slurp(*dir_ / "export.log");
  EXPECT_EQ(test::run_python("model/reference/check_export.py", exported.string() + " " + (out / "fold0/checkpoints/best.pt").string()), 0);
  EXPECT_EQ(unict("model export --run " + (out / "fold0").string() + " --out " + exported.string(), *dir_ / "export2.log"), 2);
  EXPECT_CONTAINS(test::slurp(*dir_ / "export2.log"), "--force");
}

TEST_F(Training, KilledRunResumesToBitwiseTheSameWeightsAndMetrics) {
  const std::string common = "train --config " + config_.string() + " --fold 0 --set train.duration=30u";
  const fs::path whole = *dir_ / "whole", killed = *dir_ / "killed";
  ASSERT_EQ(unict(common + " --out " + whole.string(), *dir_ / "whole.log"), 0) << test::slurp(*dir_ / "whole.log");

  const pid_t pid = start_unict(common + " --out " + killed.string(), *dir_ / "killed.log");
  ASSERT_TRUE(wait_for_lines(pid, killed / "metrics.jsonl", 3)) << test::slurp(*dir_ / "killed.log");
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int raw = 0;
  waitpid(pid, &raw, 0);
  ASSERT_TRUE(WIFSIGNALED(raw));
  ASSERT_FALSE(fs::exists(killed / "training.json")) << "the run finished before it was killed";
  ASSERT_EQ(unict("train --resume " + killed.string(), *dir_ / "resumed.log"), 0) << test::slurp(*dir_ / "resumed.log");
  // The run's config says run.log_level: warn, and --resume reads it: no info line on the console.
  EXPECT_EQ(test::slurp(*dir_ / "resumed.log").find(" info] "), std::string::npos) << test::slurp(*dir_ / "resumed.log");

  EXPECT_EQ(test::slurp(killed / "metrics.jsonl"), test::slurp(whole / "metrics.jsonl"));
  expect_bitwise_equal(weights(whole, whole / "checkpoints/last.pt"), weights(killed, killed / "checkpoints/last.pt"));
  expect_bitwise_equal(weights(whole, whole / "checkpoints/best.pt"), weights(killed, killed / "checkpoints/best.pt"));
  EXPECT_EQ(io::read_json(killed / "training.json"), io::read_json(whole / "training.json"));
}

TEST_F(Training, SigtermWritesACheckpointAndExitsCleanly) {
  const fs::path run = *dir_ / "sigterm";
  const pid_t pid = start_unict("train --config " + config_.string() + " --fold 1 --set train.duration=120u --out " + run.string(),
                                *dir_ / "sigterm.log");
  ASSERT_TRUE(wait_for_lines(pid, run / "metrics.jsonl", 2)) << test::slurp(*dir_ / "sigterm.log");
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int raw = 0;
  waitpid(pid, &raw, 0);
  ASSERT_TRUE(WIFEXITED(raw)) << "killed by the signal instead of handling it";
  EXPECT_EQ(WEXITSTATUS(raw), 128 + SIGTERM);
  const std::string log = test::slurp(*dir_ / "sigterm.log");
  EXPECT_CONTAINS(log, "unict train --resume");
  EXPECT_FALSE(fs::exists(run / "training.json"));
  ASSERT_TRUE(fs::exists(run / "checkpoints/last.pt"));
  EXPECT_CONTAINS(test::slurp(run / "train.log"), "SIGTERM received: checkpoint written at update");
  // The checkpoint continues.
  ASSERT_EQ(unict("train --resume " + run.string() + " --log-level warn", *dir_ / "sigterm-resume.log"), 0)
      << test::slurp(*dir_ / "sigterm-resume.log");
  EXPECT_TRUE(fs::exists(run / "training.json"));
}

TEST_F(Training, NonFiniteLossesAreSkippedCountedAndStopTheRunWhenTheyPersist) {
  const fs::path run = *dir_ / "nan";
  auto options = in_process(run);
  train::TrainerHooks two_bad;
  two_bad.loss = [](std::int64_t step, const at::Tensor& loss) { return step == 2 || step == 3 ? loss * NAN : loss; };
  const auto outcome = experiments::train_fold(loaded(), options, two_bad);
  EXPECT_EQ(outcome.state.nonfinite_total, 2);
  EXPECT_EQ(outcome.state.stop_reason, "finished");
  EXPECT_CONTAINS(test::slurp(run / "train.log"), "update 3: non-finite loss or gradient, update skipped (1 in a row, 1 in all)");
  for (const auto& [name, w] : weights(run, run / "checkpoints/last.pt")) EXPECT_TRUE(torch::isfinite(w).all().item<bool>()) << name;

  options.force = true;
  train::TrainerHooks from_five;
  from_five.loss = [](std::int64_t step, const at::Tensor& loss) { return step >= 5 ? loss * INFINITY : loss; };
  const std::string error = test::error_of([&] { experiments::train_fold(loaded({"train.max_nonfinite=3"}), options, from_five); });
  EXPECT_CONTAINS(error, "3 updates in a row had a NaN or infinite loss");
  EXPECT_CONTAINS(error, "train.max_nonfinite");
  EXPECT_FALSE(fs::exists(run / "training.json"));
  // The last checkpoint holds finite weights from before the failure.
  for (const auto& [name, w] : weights(run, run / "checkpoints/last.pt")) EXPECT_TRUE(torch::isfinite(w).all().item<bool>()) << name;
}

TEST_F(Training, AFinishedRunIsNeverReplacedWithoutForce) {
  const fs::path run = *dir_ / "protected";
  auto options = in_process(run);
  const auto overrides = std::vector<std::string>{"train.duration=2u"};
  experiments::train_fold(loaded(overrides), options);
  const std::string before = test::slurp(run / "metrics.jsonl");
  const std::string error = test::error_of([&] { experiments::train_fold(loaded(overrides), options); });
  EXPECT_CONTAINS(error, "holds a finished run");
  EXPECT_CONTAINS(error, "--force");
  EXPECT_EQ(test::slurp(run / "metrics.jsonl"), before);
  EXPECT_CONTAINS(test::error_of([&] { experiments::resume_fold(run, false); }), "has finished");
  options.force = true;
  EXPECT_NO_THROW(experiments::train_fold(loaded(overrides), options));
}

// model.seg_detection_gate through the binary: the same trained model evaluated without the gate
// and with a gate set between its own test probabilities keeps exactly the masks of the classes
// whose probability reaches the gate, and empties the others (some of each).
TEST_F(Training, TheMaskGateKeepsExactlyTheMasksOfDetectedClasses) {
  const fs::path open = *dir_ / "gate_open", gated = *dir_ / "gate_set";
  ASSERT_EQ(unict("train --config " + config_.string() + " --fold 0 --set train.duration=12u --out " + open.string(), *dir_ / "gate_train.log"), 0)
      << test::slurp(*dir_ / "gate_train.log");
  ASSERT_EQ(unict("evaluate --run " + open.string() + " --bootstrap 10", *dir_ / "gate_open.log"), 0) << test::slurp(*dir_ / "gate_open.log");

  // Each (volume, class): its probability and its ungated mask.
  const auto scores = io::read_csv(open / "test/predictions_cls.csv");
  const auto classes = io::read_json(open / "test/masks_grid/pred/classes.json")["classes"].get<std::vector<std::string>>();
  const auto mask_of = [&](const fs::path& run, const std::string& volume, std::size_t c) {
    const auto nifti = io::read_nifti(run / "test/masks_grid/pred" / (volume + ".nii.gz"));
    const auto per_class = static_cast<std::size_t>(nifti.array.shape[1] * nifti.array.shape[2] * nifti.array.shape[3]);
    const std::uint8_t* voxels = nifti.array.data<std::uint8_t>() + c * per_class;
    return std::vector<std::uint8_t>(voxels, voxels + per_class);
  };
  const auto drawn = [](const std::vector<std::uint8_t>& m) { return std::any_of(m.begin(), m.end(), [](std::uint8_t v) { return v != 0; }); };
  std::vector<double> drawn_probabilities;
  for (const auto& row : scores.rows)
    for (std::size_t c = 0; c < classes.size(); ++c)
      if (drawn(mask_of(open, row[0], c))) drawn_probabilities.push_back(std::stod(row[scores.column(classes[c])]));
  std::sort(drawn_probabilities.begin(), drawn_probabilities.end());
  drawn_probabilities.erase(std::unique(drawn_probabilities.begin(), drawn_probabilities.end()), drawn_probabilities.end());
  ASSERT_GE(drawn_probabilities.size(), 2u) << "the ungated model drew too few masks to place a gate between them";
  // Halfway between two neighbouring probabilities of drawn masks: no probability sits on the gate.
  const std::size_t middle = drawn_probabilities.size() / 2;
  const double gate = (drawn_probabilities[middle - 1] + drawn_probabilities[middle]) / 2;

  fs::copy(open, gated, fs::copy_options::recursive);
  fs::remove_all(gated / "test");
  std::string config = test::slurp(gated / "config.yaml");
  const auto at = config.find("seg_detection_gate: ");
  ASSERT_NE(at, std::string::npos);
  char value[64];
  std::snprintf(value, sizeof(value), "%.17g", gate);
  config.replace(at, config.find('\n', at) - at, std::string("seg_detection_gate: ") + value);
  std::ofstream(gated / "config.yaml", std::ios::binary | std::ios::trunc) << config;
  ASSERT_EQ(unict("evaluate --run " + gated.string() + " --bootstrap 10", *dir_ / "gate_set.log"), 0) << test::slurp(*dir_ / "gate_set.log");

  EXPECT_EQ(test::slurp(gated / "test/predictions_cls.csv"), test::slurp(open / "test/predictions_cls.csv"));
  EXPECT_DOUBLE_EQ(io::read_json(gated / "test/results.json")["seg"]["masks_kept_where_class_probability_at_least"].get<double>(), gate);
  std::size_t kept = 0, emptied = 0;
  for (const auto& row : scores.rows)
    for (std::size_t c = 0; c < classes.size(); ++c) {
      const auto before = mask_of(open, row[0], c), after = mask_of(gated, row[0], c);
      if (std::stod(row[scores.column(classes[c])]) >= gate) {
        EXPECT_EQ(after, before) << row[0] << " " << classes[c] << ": a detected class's mask changed";
        kept += drawn(before);
      } else {
        EXPECT_FALSE(drawn(after)) << row[0] << " " << classes[c] << ": drawn below the gate";
        emptied += drawn(before);
      }
    }
  EXPECT_GT(kept, 0u);
  EXPECT_GT(emptied, 0u);
}

// Training and evaluation from MICCAI_challenge_dataset.json, whose test entries have labels but
// no masks: they are trained on for classification and reports, their segmentation loss is left
// out, and the evaluation scores masks only against the volumes that have them, while it writes a
// predicted mask for every volume.
TEST_F(Training, VolumesWithoutMasksTrainAndAreEvaluatedWithoutSegmentationScores) {
  const fs::path out = *dir_ / "challenge", data = *dir_ / "challenge_data";
  // Enough annotated volumes that a few fall into the test split (7 % of them).
  data::write_synthetic_dataset(data, test::small_synthetic(30, 3, {24, 32, 32}, 0, 0.9));
  const std::string args = "cv --config " + config_.string() + " --folds 0 --no-external --out " + out.string() +
                           " --set data.ctrate_root=" + (data / "ctrate").string() + " --set data.rexgrounding_root=" +
                           (data / "rexgroundingct").string() +
                           " --set data.rexgrounding_json=MICCAI_challenge_dataset.json --set data.cache_dir=" + (*dir_ / "challenge_cache").string();
  ASSERT_EQ(unict(args, *dir_ / "challenge.log"), 0) << test::slurp(*dir_ / "challenge.log");
  // The prepare report names every volume without a mask.
  std::set<std::string> without;
  for (const auto& entry : fs::directory_iterator(*dir_ / "challenge_cache")) {
    const auto report = io::read_json(entry.path() / "prepare_report.json");
    for (const auto& item : report["without_mask"]) without.insert(item["name"].get<std::string>());
  }
  ASSERT_FALSE(without.empty());
  const auto split = io::read_json(out / "fold0/split.json");
  std::size_t tested_without = 0, tested_with = 0;
  for (const auto& name : split["test"]) {
    const std::string volume = name.get<std::string>();
    EXPECT_TRUE(fs::exists(out / "fold0/test/masks" / (volume + ".nii.gz"))) << volume << ": every volume gets its predicted mask";
    const bool scored = fs::exists(out / "fold0/test/masks_grid/truth" / (volume + ".nii.gz"));
    EXPECT_EQ(scored, without.count(volume) == 0) << volume;
    (without.count(volume) ? tested_without : tested_with) += 1;
  }
  EXPECT_GT(tested_without + tested_with, 0u);
  const auto results = io::read_json(out / "fold0/test/results.json");
  EXPECT_EQ(results["seg"]["volumes"].get<std::size_t>(), tested_with) << results["seg"].dump();
  EXPECT_EQ(io::read_csv(out / "fold0/test/predictions_cls.csv").rows.size(), tested_with + tested_without);
}

}  // namespace
}  // namespace unict

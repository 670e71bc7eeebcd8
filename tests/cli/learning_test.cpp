// Does training learn at all? A few hundred updates of the quick-start model on a small grid-profile
// set must classify three of its most visible classes well on a held-out fold, and the same run with
// shuffled targets (train.shuffled_targets_control) must not. Slow (minutes): `ctest -L slow`.
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"

namespace unict {
namespace {

int run_unict(const std::string& args, const std::filesystem::path& log) {
  const std::string command = std::string("cd '") + UNICT_SOURCE_DIR + "' && '" + UNICT_BINARY + "' " + args + " >'" +
                              log.string() + "' 2>&1 </dev/null";
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// One numeric column of a written CSV (predictions_cls.csv, labels_cls.csv), in row order.
std::vector<double> column_values(const io::CsvTable& table, const std::string& name) {
  const auto c = table.column(name);
  std::vector<double> values;
  for (const auto& row : table.rows) values.push_back(std::stod(row[c]));
  return values;
}

// The AUROC as the share of (positive, negative) pairs ranked the right way, ties counting half:
// the Mann-Whitney definition, independent of the evaluation layer's implementation.
double pairwise_auroc(const std::vector<double>& scores, const std::vector<double>& labels) {
  double right = 0, pairs = 0;
  for (std::size_t p = 0; p < scores.size(); ++p)
    for (std::size_t n = 0; n < scores.size(); ++n)
      if (labels[p] > 0.5 && labels[n] < 0.5) {
        pairs += 1;
        right += scores[p] > scores[n] ? 1 : scores[p] == scores[n] ? 0.5 : 0;
      }
  if (pairs == 0) throw std::runtime_error("a class without both positives and negatives in the test fold");
  return right / pairs;
}

const std::vector<std::string> kVisibleClasses = {"bronchial_wall_thickening", "bronchiectasis", "pleural_effusion_thickening"};

// Trains fold 0 of a 5-fold cross-validation and returns the test AUROC of each visible class.
std::vector<double> fold0_test_auroc(const test::TempDir& dir, const std::string& name, const std::string& extra) {
  const auto data = dir / "synthetic";
  const std::string args = "cv --config configs/quickstart.yaml --folds 0 --no-external --out '" + (dir / name).string() +
                           "' --set data.ctrate_root='" + (data / "ctrate").string() + "' --set data.rexgrounding_root='" +
                           (data / "rexgroundingct").string() + "' --set data.radchestct_root='" + (data / "radchestct").string() +
                           "' --set data.cache_dir='" + (dir / "cache").string() +
                           "' --set model.tasks=[cls,seg] --set loss.rep_weight=0 --set model.report_reads_cls=false"
                           " --set train.duration=300u --set train.warmup=20u --set train.val_every=100u --set train.checkpoint_every=100u " +
                           extra;
  const auto log = dir / (name + ".log");
  EXPECT_EQ(run_unict(args, log), 0) << test::slurp(log);
  const auto test_folder = dir / name / "fold0" / "test";
  const auto scores = io::read_csv(test_folder / "predictions_cls.csv"), labels = io::read_csv(test_folder / "labels_cls.csv");
  std::vector<double> auroc;
  for (const auto& c : kVisibleClasses) auroc.push_back(pairwise_auroc(column_values(scores, c), column_values(labels, c)));
  return auroc;
}

// The quick start draws a class's mask only where its head gives the class p >= 0.5
// (model.seg_detection_gate): checked on the written test masks against predictions_cls.csv.
// Returns how many (volume, class) masks were drawn. Whether any is drawn depends on how far 300
// updates carry the head's probabilities past 0.5, which rounding on another CPU moved below it
// (issue 34); that the gate keeps exactly the detected classes' masks is tested on a run whose
// gate is set between its own probabilities (tests/train/training_test.cpp).
std::size_t drawn_masks_all_detected(const std::filesystem::path& test_folder) {
  const auto scores = io::read_csv(test_folder / "predictions_cls.csv");
  const auto name_column = scores.column(scores.header.front());
  const auto classes = io::read_json(test_folder / "masks_grid" / "pred" / "classes.json")["classes"].get<std::vector<std::string>>();
  std::size_t drawn = 0;
  for (const auto& row : scores.rows) {
    const auto volume = io::read_nifti(test_folder / "masks_grid" / "pred" / (row[name_column] + ".nii.gz"));
    const auto& shape = volume.array.shape;  // C, Z, Y, X
    const auto per_class = static_cast<std::size_t>(shape[1] * shape[2] * shape[3]);
    for (std::size_t c = 0; c < classes.size(); ++c) {
      const std::uint8_t* voxels = volume.array.data<std::uint8_t>() + c * per_class;
      if (std::none_of(voxels, voxels + per_class, [](std::uint8_t v) { return v != 0; })) continue;
      ++drawn;
      EXPECT_GE(std::stod(row[scores.column(classes[c])]), 0.5) << row[name_column] << " has a " << classes[c] << " mask its head does not detect";
    }
  }
  return drawn;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// The data's seed: 5, or UNICT_LEARNING_SEED (scripts/bench/rounding_spread.sh measures the
// asserted figures over seeds and instruction sets).
std::string data_seed() {
  const char* seed = std::getenv("UNICT_LEARNING_SEED");
  return seed && *seed ? seed : "5";
}

// The bounds sit far from what was measured (docs/build.md, "Tests on every CPU"): the trained
// mean AUROC of the three classes and the control's, under two instruction-set settings.
TEST(Learning, AFewHundredUpdatesClassifyVisibleClassesAndTheControlDoesNot) {
  test::TempDir dir;
  const auto synth_log = dir / "synth.log";
  ASSERT_EQ(run_unict("synth --out '" + (dir / "synthetic").string() + "' --profile grid --patients 150 --radchestct 1 --seed " + data_seed(),
                      synth_log),
            0)
      << test::slurp(synth_log);
  const auto trained = fold0_test_auroc(dir, "trained", "");
  const auto control = fold0_test_auroc(dir, "control", "--set train.shuffled_targets_control=true");
  for (std::size_t i = 0; i < kVisibleClasses.size(); ++i)
    std::cout << kVisibleClasses[i] << ": trained " << trained[i] << ", control " << control[i] << "\n";
  std::cout << "mean: trained " << mean(trained) << ", control " << mean(control) << "\n";
  // On a test fold of this size (about 35 volumes, 5-10 positives a class) a random score's AUROC
  // spreads by about 0.12 per class, 0.07 for the mean of three. Measured (docs/build.md): trained
  // 0.926 and 0.846, control 0.613 and 0.559, under the default kernels and under oneDNN SSE4.1 +
  // ATen unvectorised. The old bounds (trained > 0.8, control < 0.65) sat 0.05 and 0.04 from those.
  // Now: the control within 3.5 spreads of chance, the trained run 2 spreads clear of its lowest
  // figure, and the two apart by more than 2 spreads (measured 0.29 and 0.31).
  EXPECT_GT(mean(trained), 0.7);
  EXPECT_LT(mean(control), 0.75);
  EXPECT_GT(mean(trained) - mean(control), 0.15);
  std::cout << "masks drawn: trained " << drawn_masks_all_detected(dir / "trained" / "fold0" / "test") << ", control "
            << drawn_masks_all_detected(dir / "control" / "fold0" / "test") << "\n";
}

}  // namespace
}  // namespace unict

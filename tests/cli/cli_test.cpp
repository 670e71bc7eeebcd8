// The `unict` binary as a user meets it: output, exit statuses, error lines.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace unict {
namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

// Runs `unict <args>` from the source folder (so configs/... paths work).
Result unict(const std::string& args) {
  test::TempDir dir;
  const auto out = dir / "stdout", err = dir / "stderr";
  const std::string command = std::string("cd '") + UNICT_SOURCE_DIR + "' && '" + UNICT_BINARY + "' " + args + " >'" +
                              out.string() + "' 2>'" + err.string() + "' </dev/null";
  const int raw = std::system(command.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = test::slurp(out);
  r.err = test::slurp(err);
  return r;
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }


TEST(Cli, ConfigShowPrintsTheResolvedYamlWithOverrides) {
  const Result r = unict("config show --config configs/base.yaml --set train.lr=0.0003");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "train:\n");
  EXPECT_CONTAINS(r.out, "  lr: 0.0003\n");
  EXPECT_EQ(r.err, "");
}

TEST(Cli, ConfigShowMarksWhereValuesCameFrom) {
  const Result r = unict("config show -c configs/quickstart.yaml --set run.seed=5 --origins");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "seed: 5  # from --set");
  EXPECT_CONTAINS(r.out, "name: \"quickstart\"  # from configs/quickstart.yaml:");
}

TEST(Cli, MistypedKeyExitsTwoWithOneLineAndASuggestion) {
  const Result r = unict("config show --config configs/base.yaml --set train.lrr=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_CONTAINS(r.err, "train.lrr");
  EXPECT_CONTAINS(r.err, "did you mean 'train.lr'?");
}

TEST(Cli, UserErrorsExitTwoWithOneLine) {
  for (const std::string args : {"", "bogus", "config", "config show", "config show --config missing.yaml",
                                 "config show --config configs/base.yaml --set train.lr=2",
                                 "config show --config configs/base.yaml --set run.device=gpu",
                                 "--log-level loud config keys", "config keys --no-such-flag"}) {
    const Result r = unict(args);
    EXPECT_EQ(r.status, 2) << "unict " << args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << "unict " << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("unict: error: ", 0), 0u) << r.err;
  }
}

TEST(Cli, BadConfigFileErrorNamesTheFileAndLine) {
  test::TempDir dir;
  const auto file = dir.write("bad.yaml", "base: " + std::string(UNICT_SOURCE_DIR) + "/configs/base.yaml\ntrain:\n  batch_size: big\n");
  const Result r = unict("config show --config " + file.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, file.string() + ":3: key 'train.batch_size': invalid value 'big'; expected an int in [1, 4096]");
}

TEST(Cli, ConfigKeysListsEveryKeyWithTypeDefaultAndHelp) {
  const Result r = unict("config keys");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "KEY");
  EXPECT_CONTAINS(r.out, "train.lr");
  EXPECT_CONTAINS(r.out, "float");
  EXPECT_CONTAINS(r.out, "peak learning rate");
  EXPECT_CONTAINS(r.out, "run.seed");
}

TEST(Cli, ConfigKeysYamlIsTheBodyOfBaseYaml) {
  const Result r = unict("config keys --yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string base = test::slurp(std::string(UNICT_SOURCE_DIR) + "/configs/base.yaml");
  EXPECT_NE(base.find(r.out), std::string::npos) << "configs/base.yaml is stale: regenerate it with 'unict config keys --yaml'";
}

TEST(Cli, VersionNamesUnictLibTorchAndTheDevice) {
  const Result r = unict("--version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("unict " UNICT_TEST_VERSION, 0), 0u) << r.out;
  EXPECT_CONTAINS(r.out, "LibTorch ");
  EXPECT_CONTAINS(r.out, "device: ");
}

TEST(Cli, HelpListsEverySubcommand) {
  const Result r = unict("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_CONTAINS(r.out, "config");
  for (const std::string present :
       {"config", "synth", "split", "prepare", "inspect", "model", "metrics", "train", "evaluate", "cv", "ablate", "predict"})
    EXPECT_NE(r.out.find("\n  " + present + " "), std::string::npos) << present;
}

TEST(Cli, ModelSummaryPrintsTheTreeCountsAndOutputShapes) {
  const std::string config = std::string(UNICT_SOURCE_DIR) + "/configs/quickstart.yaml";
  Result r = unict("model summary --config " + config + " --depth 1 --set report_decoder.max_tokens=16 --set decode.max_tokens=16");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part : {"encoder (VisualEncoder)", "fusion (MultiTaskFusion)", "report_decoder (ReportDecoder)", "attention     [2, 3, 3]",
                           "cls_logits    [2, 10]", "seg_logits    [2, 10, 32, 48, 48]", "rep_logits    [2, 15, 300]"})
    EXPECT_CONTAINS(r.out, part);
  // An ablation switch shows in the tree: no fusion module, no attention output.
  r = unict("model summary --config " + config + " --depth 1 --set model.fusion=false --no-forward");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("fusion (MultiTaskFusion)"), std::string::npos);
  EXPECT_CONTAINS(r.out, "fusion off");
  // A GPU config (the ablation configs name run.device: cuda) is summarised on a machine without
  // one: on the CPU, and said so (at a small size, so that the forward pass is quick).
  r = unict("model summary --config " + std::string(UNICT_SOURCE_DIR) + "/configs/ablations/no_fusion.yaml --depth 0 "
            "--set 'preprocess.size=[6,64,64]' --set train.batch_size=1 --set report_decoder.max_tokens=16 --set decode.max_tokens=16");
  ASSERT_EQ(r.status, 0) << r.err;
  const bool said_cpu = r.out.find("no CUDA device is usable here: the forward pass runs on the CPU") != std::string::npos;
  EXPECT_TRUE(said_cpu ? r.out.find(" on cpu ") != std::string::npos : r.out.find(" on cuda") != std::string::npos) << r.out;
  EXPECT_CONTAINS(r.out, "seg_logits    [1, 10, 3, 32, 32]");  // output_scale 2
  // A rule across keys fails at load, naming the key.
  r = unict("model summary --config " + config + " --set model.adapters=false");
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "model.fusion");
}

TEST(Cli, MetricsClsThresholdsAndCompareFromCsvFiles) {
  test::TempDir dir;
  // Two patients with two volumes each and two single-volume patients; class "rare" never occurs.
  const auto pred = dir.write("pred.csv",
                              "VolumeName,effusion,rare\n"
                              "train_1_a_1,0.9,0.1\ntrain_1_a_2,0.8,0.2\ntrain_2_a_1,0.3,0.1\ntrain_2_b_1,0.6,0.3\n"
                              "train_3_a_1,0.2,0.4\ntrain_4_a_1,0.55,0.1\n");
  const auto labels = dir.write("labels.csv",
                                "VolumeName,rare,effusion\n"
                                "train_4_a_1,0,0\ntrain_3_a_1,0,0\ntrain_2_b_1,0,1\ntrain_2_a_1,0,0\ntrain_1_a_2,0,1\ntrain_1_a_1,0,1\n");
  Result r = unict("metrics cls --pred " + pred.string() + " --labels " + labels.string() + " --json --bootstrap 200 --figures " +
                   (dir / "figures").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  // Rows are matched by name, columns by class: effusion ranks perfectly.
  EXPECT_EQ(doc["per_class"]["effusion"]["auroc"].get<double>(), 1.0);
  EXPECT_TRUE(doc["per_class"]["rare"]["auroc"].is_null());
  EXPECT_EQ(doc["undefined"][0]["class"], "rare");
  EXPECT_CONTAINS(doc["undefined"][0]["reason"].get<std::string>(), "no positive case");
  EXPECT_EQ(doc["macro"]["auroc"].get<double>(), 1.0);
  EXPECT_EQ(doc["macro_over_classes"], 1);
  // At 0.5: 0.55 is a false positive: precision 3/4, recall 1, F1 6/7.
  EXPECT_NEAR(doc["macro"]["f1"].get<double>(), 6.0 / 7, 1e-12);
  ASSERT_TRUE(doc.contains("macro_ci95"));
  EXPECT_EQ(test::slurp(dir / "figures" / "roc_pr.png").compare(1, 3, "PNG"), 0);
  EXPECT_LE(doc["macro_ci95"]["f1"][0].get<double>(), doc["macro_ci95"]["f1"][1].get<double>());

  // Thresholds chosen by maximum F1 (0.6 separates effusion perfectly), then applied.
  const auto thresholds = dir / "thresholds.json";
  r = unict("metrics thresholds --pred " + pred.string() + " --labels " + labels.string() + " --out " + thresholds.string());
  ASSERT_EQ(r.status, 0) << r.err;
  r = unict("metrics cls --pred " + pred.string() + " --labels " + labels.string() + " --thresholds " + thresholds.string() + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["per_class"]["effusion"]["threshold"].get<double>(), 0.6);
  EXPECT_EQ(nlohmann::json::parse(r.out)["macro"]["f1"].get<double>(), 1.0);

  // A file compared with itself: no difference, p = 1.
  r = unict("metrics compare " + pred.string() + " " + pred.string() + " --labels " + labels.string() + " --bootstrap 50 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto cmp = nlohmann::json::parse(r.out);
  EXPECT_EQ(cmp["macro_difference"]["auroc"]["a_minus_b"].get<double>(), 0.0);
  EXPECT_EQ(cmp["auroc_delong"]["effusion"]["p_value"].get<double>(), 1.0);

  // Bad input names the file and the volume.
  const auto missing = dir.write("missing.csv", "VolumeName,effusion,rare\ntrain_1_a_1,1,0\n");
  r = unict("metrics cls --pred " + pred.string() + " --labels " + missing.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "missing.csv");
  EXPECT_CONTAINS(r.err, "train_1_a_2");
  const auto twice = dir.write("twice.csv", "VolumeName,effusion,rare\ntrain_1_a_1,0.9,0.1\ntrain_1_a_1,0.8,0.2\n");
  r = unict("metrics cls --pred " + twice.string() + " --labels " + labels.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "twice.csv:3");
  EXPECT_CONTAINS(r.err, "listed twice");
  const auto bad = dir.write("bad.csv", "VolumeName,effusion,rare\ntrain_1_a_1,1.5,0.1\n");
  r = unict("metrics cls --pred " + bad.string() + " --labels " + labels.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "bad.csv:2");
  EXPECT_CONTAINS(r.err, "probability in [0, 1]");
}

TEST(Cli, MetricsReportsScoresJsonLines) {
  test::TempDir dir;
  const auto refs = dir.write("refs.jsonl",
                              "{\"VolumeName\": \"train_1_a_1\", \"report\": \"No pleural effusion. Mild emphysema.\"}\n"
                              "{\"VolumeName\": \"train_2_a_1\", \"report\": \"A nodule in the right upper lobe.\"}\n"
                              "{\"VolumeName\": \"train_2_a_1\", \"report\": \"Right upper lobe nodule.\"}\n");
  const auto same = dir.write("same.jsonl",
                              "{\"VolumeName\": \"train_2_a_1\", \"report\": \"a nodule in the right upper lobe\"}\n"
                              "{\"VolumeName\": \"train_1_a_1\", \"report\": \"no pleural effusion. mild emphysema\"}\n");
  Result r = unict("metrics reports --pred " + same.string() + " --refs " + refs.string() + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  for (const char* key : {"bleu1", "bleu2", "bleu3", "bleu4", "rouge_l"}) EXPECT_NEAR(doc[key].get<double>(), 1.0, 1e-12) << key;
  EXPECT_GT(doc["cider"].get<double>(), 0);
  // Clinical efficacy: the labeler finds effusion absent, emphysema and the nodule present in both.
  EXPECT_EQ(doc["ce"]["macro"]["f1"].get<double>(), 1.0);
  EXPECT_EQ(doc["ce"]["per_class"]["nodule_mass"]["reference_positives"], 1);
  EXPECT_TRUE(doc["ce"]["per_class"]["pleural_effusion_thickening"]["f1"].is_null());
  const auto missing = dir.write("missing.jsonl", "{\"VolumeName\": \"train_1_a_1\", \"report\": \"x\"}\n");
  r = unict("metrics reports --pred " + missing.string() + " --refs " + refs.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "train_2_a_1");
  const auto broken = dir.write("broken.jsonl", "{\"VolumeName\": \"train_1_a_1\"}\n");
  r = unict("metrics reports --pred " + broken.string() + " --refs " + refs.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "broken.jsonl:1");
}

TEST(Cli, SynthSplitAndInspectWorkTogether) {
  test::TempDir dir;
  const std::string out = (dir / "synthetic").string();
  Result r = unict("synth --out " + out + " --patients 9 --size 24x40x40 --radchestct 2 --seed 4");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "ReXGroundingCT:");
  EXPECT_CONTAINS(r.out, "set data.radchestct_spacing");
  EXPECT_EQ(unict("synth --out " + out + " --patients 9").status, 2);  // exists: never overwritten silently
  // The grid profile: spacing is its own; the realistic profile refuses one, naming the option.
  r = unict("synth --out " + (dir / "grid").string() + " --profile grid --patients 4 --radchestct 1 --seed 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "spacing 7.5 mm");
  r = unict("synth --out " + (dir / "other").string() + " --spacing 9x7.5x7.5");
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--spacing applies to --profile grid only");
  EXPECT_EQ(unict("synth --out " + (dir / "other").string() + " --profile grid --spacing 9x0x7.5").status, 2);
  EXPECT_FALSE(std::filesystem::exists(dir / "other"));

  const std::string sets = " --set data.ctrate_root=" + out + "/ctrate --set data.rexgrounding_root=" + out +
                           "/rexgroundingct --set run.output_root=" + (dir / "runs").string();
  r = unict("split --config configs/quickstart.yaml --set split.folds=3" + sets);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "3 folds");
  EXPECT_TRUE(std::filesystem::exists(dir / "runs/quickstart/splits.json"));
  EXPECT_CONTAINS(unict("split --config configs/quickstart.yaml --set split.folds=3" + sets).out, "up to date");
  r = unict("split --config configs/quickstart.yaml --set split.folds=4" + sets);
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--force");

  r = unict("prepare --config configs/quickstart.yaml --set preprocess.size=[16,24,24] --set preprocess.spacing=[16.0,14.0,14.0] --set data.cache_dir=" +
            (dir / "cache").string() + sets);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "cache: ");
  EXPECT_CONTAINS(r.err, "prepared");
  std::string item;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "cache"))
    if (e.path().extension() == ".uct") item = e.path().string();
  ASSERT_FALSE(item.empty());
  r = unict("inspect " + item);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "\"mask_voxels_per_class\"");

  std::string npz;
  for (const auto& e : std::filesystem::directory_iterator(out + "/radchestct"))
    if (e.path().extension() == ".npz") npz = e.path().string();
  r = unict("inspect " + npz);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "\"dtype\": \"int16\"");
  EXPECT_EQ(unict("inspect " + out + "/radchestct/missing.npz").status, 2);
}

// What the real releases hold and a split must take: a CT-RATE report whose findings are "Not
// given." (a split needs no report), and ReXGroundingCT's challenge file, whose test entries have
// categories but no masks (they stopped `split` at "mask file is missing" before).
TEST(Cli, SplitTakesEmptyReportsAndTheChallengeFile) {
  test::TempDir dir;
  const std::string out = (dir / "synthetic").string();
  ASSERT_EQ(unict("synth --out " + out + " --patients 9 --size 24x40x40 --radchestct 1 --seed 4").status, 0);
  // Every training report's findings become "Not given." (Python's csv module writes the file).
  const std::string reports = out + "/ctrate/dataset/radiology_text_reports/train_reports.csv";
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import csv,sys; rows=list(csv.DictReader(open(sys.argv[1]))); "
                         "[r.__setitem__('Findings_EN', 'Not given.') for r in rows]; w=csv.DictWriter(open(sys.argv[1], 'w', newline=''), "
                         "fieldnames=list(rows[0].keys())); w.writeheader(); w.writerows(rows)\" '" + reports + "'").c_str()),
            0);
  const std::string sets = " --set data.ctrate_root=" + out + "/ctrate --set data.rexgrounding_root=" + out + "/rexgroundingct";
  Result r = unict("split --config configs/quickstart.yaml --set split.folds=3 --set run.output_root=" + (dir / "a").string() + sets);
  EXPECT_EQ(r.status, 0) << r.err;
  r = unict("split --config configs/quickstart.yaml --set split.folds=3 --set data.rexgrounding_json=MICCAI_challenge_dataset.json "
            "--set run.output_root=" + (dir / "b").string() + sets);
  EXPECT_EQ(r.status, 0) << r.err;
  // Training the report head on them needs the text: the command names a volume and the choice.
  r = unict("prepare --config configs/quickstart.yaml --set data.cache_dir=" + (dir / "cache").string() + sets);
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "no report text for the volume, which the report head needs");
  EXPECT_CONTAINS(r.err, "data.on_error=skip");
}

// A misspelled key in an ablation suite would train the full model under the variant's name.
TEST(Cli, AnAblationSuiteWithAnUnknownKeyExitsTwoNamingIt) {
  test::TempDir dir;
  const auto suite = dir.write("suite.yaml", "reference: full\nvariants:\n  - {name: full, config: " + std::string(UNICT_SOURCE_DIR) +
                                                 "/configs/quickstart.yaml}\n  - name: no_fusion\n    config: " + UNICT_SOURCE_DIR +
                                                 "/configs/quickstart.yaml\n    sett: [model.fusion=false]\n");
  const Result r = unict("ablate --config " + suite.string() + " --out " + (dir / "out").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "suite.yaml:6: key 'variants[1].sett': unknown key in a variant (did you mean 'set'?");
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

}  // namespace
}  // namespace unict

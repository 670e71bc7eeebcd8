// The data set readers on a synthetic data set, checked against what the generator put in it
// (synthetic_truth.json), and their errors on broken copies of it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "data_fixture.h"
#include "test_support.h"
#include "unict/core/error.h"
#include "unict/data/ctrate.h"
#include "unict/data/radchestct.h"
#include "unict/data/rexgrounding.h"
#include "unict/data/samples.h"
#include "unict/data/synthetic.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"
#include "unict/io/npy.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;


class Datasets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    SyntheticOptions o = test::small_synthetic(8, 21, {24, 40, 40}, 6, 0.4);
    o.ctrate_v1 = true;
    write_synthetic_dataset(root(), o);
    truth_ = new json(io::read_json(root() / "synthetic_truth.json"));
  }
  static void TearDownTestSuite() {
    delete truth_;
    delete dir_;
  }
  static fs::path root() { return dir_->path() / "synth"; }
  static DataConfig config() {
    DataConfig c = test::synthetic_data_config(root());
    c.radchestct_spacing = (*truth_)["radchestct_spacing"].get<double>();
    return c;
  }
  static std::vector<std::string> true_codes(const std::string& section, const std::string& name) {
    return (*truth_)[section][name]["codes"].get<std::vector<std::string>>();
  }
  static bool has(const std::vector<std::string>& codes, const std::string& code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
  }

  static test::TempDir* dir_;
  static json* truth_;
};
test::TempDir* Datasets::dir_ = nullptr;
json* Datasets::truth_ = nullptr;

TEST_F(Datasets, CtRateIndexListsEveryChestVolumeWithReportAndLabels) {
  const auto index = CtRateIndex::load(root() / "ctrate", "v2");
  const std::string non_chest = (*truth_)["non_chest"];
  EXPECT_TRUE(index.is_non_chest(non_chest));
  EXPECT_EQ(index.find(non_chest), nullptr);
  EXPECT_EQ(index.volumes().size(), (*truth_)["ctrate"].size() - 1);
  for (const auto& v : index.volumes()) {
    EXPECT_EQ(v.patient, (*truth_)["ctrate"][v.name]["patient"]);
    EXPECT_FALSE(v.findings.empty()) << v.name;
    const auto codes = true_codes("ctrate", v.name);
    ASSERT_EQ(v.labels.size(), 18u) << v.name;
    EXPECT_EQ(v.labels.at("Emphysema"), has(codes, "1c") ? 1 : 0) << v.name;
    EXPECT_EQ(v.labels.at("Pleural effusion"), has(codes, "2e") ? 1 : 0) << v.name;
    EXPECT_EQ(v.labels.at("Cardiomegaly"), 0);
    EXPECT_TRUE(fs::exists(v.ct.file)) << v.ct.file;
  }
  EXPECT_EQ(ctrate_patient_of("train_1741_b_2.nii.gz"), "train_1741");
  EXPECT_THROW(ctrate_patient_of("scan42.nii.gz"), Error);
}

// A no_chest line written as a path into the release (with Windows line ends) names the same volume
// as its file name: the volume is left out, not prepared.
TEST_F(Datasets, ANonChestLineWrittenAsAPathExcludesItsVolume) {
  test::TempDir dir;
  fs::copy(root() / "ctrate", dir / "ctrate", fs::copy_options::recursive);
  const std::string non_chest = (*truth_)["non_chest"];
  const std::string split = non_chest.rfind("train_", 0) == 0 ? "train" : "valid";
  const auto parts = non_chest.substr(0, non_chest.rfind('_'));
  const std::string patient = non_chest.substr(0, non_chest.find('_', non_chest.find('_') + 1));
  dir.write("ctrate/dataset/metadata/no_chest_" + split + ".txt",
            "dataset/" + split + "_fixed/" + patient + "/" + parts + "/" + non_chest + ".nii.gz\r\n");
  const auto index = CtRateIndex::load(dir / "ctrate", "v2");
  EXPECT_TRUE(index.is_non_chest(non_chest));
  EXPECT_EQ(index.find(non_chest), nullptr);
  EXPECT_EQ(index.volumes().size(), (*truth_)["ctrate"].size() - 1);
}

TEST_F(Datasets, V1RescaledFromTheMetadataEqualsV2) {
  const auto v1 = CtRateIndex::load(root() / "ctrate", "v1");
  const auto v2 = CtRateIndex::load(root() / "ctrate", "v2");
  for (const auto& volume : v2.volumes()) {
    const CtRateVolume* raw = v1.find(volume.name);
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw->ct.format, CtFormat::nifti_rescaled);
    const io::Volume a = load_ct(volume.ct), b = load_ct(raw->ct);
    EXPECT_EQ(a.array.bytes, b.array.bytes) << volume.name;
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(a.geometry.spacing[i], b.geometry.spacing[i], 1e-4) << volume.name;
      EXPECT_NEAR(a.geometry.origin[i], b.geometry.origin[i], 1e-3) << volume.name;
    }
  }
}

TEST_F(Datasets, RexGroundingSamplesCarryTheTrueLabelsAndTheirMaskChannels) {
  const LabelSet labels = load_label_set(config().label_set);
  const SampleSet set = rexgrounding_samples(config(), labels);
  ASSERT_FALSE(set.samples.empty());
  const auto entries = load_rexgrounding(root() / "rexgroundingct", "dataset.json");
  std::size_t test_entries = 0;
  for (const auto& e : entries) test_entries += e.split == "test" ? 1 : 0;
  EXPECT_EQ(set.skipped.size(), test_entries);  // test entries have no annotations
  for (const auto& s : set.samples) {
    const auto codes = true_codes("ctrate", s.name);
    for (std::size_t c = 0; c < labels.size(); ++c) {
      EXPECT_EQ(s.labels[c], has(codes, labels.classes[c].rexgrounding_codes[0]) ? 1 : 0) << s.name << " " << labels.classes[c].name;
      EXPECT_EQ(s.class_channels[c].size(), s.labels[c] ? 1u : 0u);
    }
    EXPECT_TRUE(fs::exists(s.mask_file));
    EXPECT_FALSE(s.report.empty());
  }
  DataConfig joined = config();
  joined.report_source = "rexgrounding_findings";
  const SampleSet by_findings = rexgrounding_samples(joined, labels);
  const auto& first = by_findings.samples.front();
  const auto entry = std::find_if(entries.begin(), entries.end(), [&](const RexEntry& e) { return e.name == first.name; });
  EXPECT_EQ(first.report.rfind(entry->findings.front().text, 0), 0u);
}

// MICCAI_challenge_dataset.json: its test entries carry categories but no mask and no counts.
// They serve classification and reports (labels as the categories say), without a mask, each
// listed with its reason; train and val entries keep their masks.
TEST(ChallengeFile, TestEntriesWithoutMasksServeClassificationAndReports) {
  test::TempDir dir;
  // Enough annotated volumes that a few fall into the test split (7 % of them).
  write_synthetic_dataset(dir / "synth", test::small_synthetic(30, 3, {16, 24, 24}, 0, 0.9));
  const json truth = io::read_json(dir / "synth" / "synthetic_truth.json");
  DataConfig c = test::synthetic_data_config(dir / "synth");
  c.rexgrounding_json = "MICCAI_challenge_dataset.json";
  const LabelSet labels = load_label_set(c.label_set);
  const SampleSet set = rexgrounding_samples(c, labels);
  const auto ctrate = CtRateIndex::load(c.ctrate_root, "v2");
  std::set<std::string> test_names;
  for (const auto& e : load_rexgrounding(c.rexgrounding_root, c.rexgrounding_json))
    if (e.split == "test" && !ctrate.is_non_chest(e.name)) test_names.insert(e.name);
  ASSERT_FALSE(test_names.empty()) << "seed 3 draws no test entry";
  EXPECT_EQ(set.without_masks.size(), test_names.size());
  std::size_t without = 0;
  for (const auto& s : set.samples) {
    const auto codes = truth["ctrate"][s.name]["codes"].get<std::vector<std::string>>();
    for (std::size_t k = 0; k < labels.size(); ++k) {
      const bool present = std::find(codes.begin(), codes.end(), labels.classes[k].rexgrounding_codes[0]) != codes.end();
      EXPECT_EQ(s.labels[k], present ? 1 : 0) << s.name;
    }
    if (test_names.count(s.name)) {
      ++without;
      EXPECT_TRUE(s.mask_file.empty()) << s.name;
      EXPECT_FALSE(s.report.empty()) << s.name;
    } else {
      EXPECT_TRUE(fs::exists(s.mask_file)) << s.name;
    }
  }
  EXPECT_EQ(without, test_names.size());
  EXPECT_CONTAINS(set.without_masks.front().reason, "used for classification and reports, not segmentation");
  // dataset.json's test entries carry no categories: listed as left out, as before.
  c.rexgrounding_json = "dataset.json";
  const SampleSet plain = rexgrounding_samples(c, labels);
  EXPECT_TRUE(plain.without_masks.empty());
  EXPECT_EQ(plain.samples.size() + test_names.size(), set.samples.size());
}

TEST_F(Datasets, RadChestCtLabelsAreTheOrOverLocationsMappedOntoTheMergedClasses) {
  const LabelSet labels = load_label_set(config().label_set);
  const SampleSet set = radchestct_samples(config(), labels);
  ASSERT_EQ(set.samples.size(), 6u);
  ASSERT_EQ(set.class_names.size(), 9u);
  const auto nodule = std::find(set.class_names.begin(), set.class_names.end(), "nodule_mass") - set.class_names.begin();
  const auto effusion = std::find(set.class_names.begin(), set.class_names.end(), "pleural_effusion_thickening") - set.class_names.begin();
  for (const auto& s : set.samples) {
    const auto codes = true_codes("radchestct", s.name);
    EXPECT_EQ(s.labels[static_cast<std::size_t>(nodule)], has(codes, "2d") || has(codes, "1e") ? 1 : 0) << s.name;
    EXPECT_EQ(s.labels[static_cast<std::size_t>(effusion)], has(codes, "2e") ? 1 : 0) << s.name;
  }
  const io::Volume ct = load_ct(set.samples.front().ct);
  EXPECT_EQ(ct.geometry.direction[8], -1.0);  // slices run superior to inferior
  EXPECT_EQ(ct.geometry.spacing[0], config().radchestct_spacing);
  float lo = 1e9f, hi = -1e9f;
  for (std::size_t i = 0; i < ct.array.size(); ++i) {
    lo = std::min(lo, ct.array.data<float>()[i]);
    hi = std::max(hi, ct.array.data<float>()[i]);
  }
  EXPECT_GE(lo, -1000.0f);
  EXPECT_LE(hi, 1000.0f);
}

// A copy of the synthetic data set to break.
fs::path broken_copy(const test::TempDir& dir, const fs::path& from) {
  const auto to = dir / "copy";
  fs::copy(from, to, fs::copy_options::recursive);
  return to;
}

// A broken_copy of the synthetic set under `dir`, the config that reads it, and the first sample
// it gives: the volume a test breaks.
struct BrokenSet {
  fs::path copy;
  DataConfig config;
  LabelSet labels;
  Sample victim;
};
BrokenSet broken_set(const test::TempDir& dir, const fs::path& from) {
  BrokenSet b{broken_copy(dir, from), {}, {}, {}};
  b.config = test::synthetic_data_config(b.copy);
  b.labels = load_label_set(b.config.label_set);
  b.victim = rexgrounding_samples(b.config, b.labels).samples.front();
  return b;
}

TEST_F(Datasets, AVolumeMissingFromDiskFailsOrIsSkippedAsConfigured) {
  test::TempDir dir;
  const BrokenSet broken = broken_set(dir, root());
  DataConfig c = broken.config;
  fs::remove(broken.victim.ct.file);
  try {
    rexgrounding_samples(c, broken.labels);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), broken.victim.ct.file.string() + ": volume file is missing");
    EXPECT_CONTAINS(std::string(e.what()), "data.on_error=skip");
  }
  c.on_error = "skip";
  const SampleSet set = rexgrounding_samples(c, broken.labels);
  EXPECT_TRUE(std::any_of(set.skipped.begin(), set.skipped.end(), [&](const SkippedItem& s) { return s.name == broken.victim.name; }));
  EXPECT_TRUE(std::none_of(set.samples.begin(), set.samples.end(), [&](const Sample& s) { return s.name == broken.victim.name; }));
}

// CT-RATE writes "Not given." for an empty report field. Such a volume serves everything that needs
// no report (a split, classification, segmentation); where the report head needs one it fails or
// is left out with its reason, as data.on_error says.
TEST_F(Datasets, AVolumeWithoutReportTextIsKeptUnlessAReportIsNeeded) {
  test::TempDir dir;
  const BrokenSet broken = broken_set(dir, root());
  DataConfig c = broken.config;
  bool rewritten = false;
  for (const std::string split : {"train", "validation"}) {
    const auto file = broken.copy / "ctrate/dataset/radiology_text_reports" / (split + "_reports.csv");
    auto table = io::read_csv(file);
    for (auto& row : table.rows)
      if (strip_nifti_extension(row[table.column("VolumeName")]) == broken.victim.name) row[table.column("Findings_EN")] = "Not given.", rewritten = true;
    io::write_csv(file, table.header, table.rows);
  }
  ASSERT_TRUE(rewritten);
  SampleSet set = rexgrounding_samples(c, broken.labels);
  const auto found = std::find_if(set.samples.begin(), set.samples.end(), [&](const Sample& s) { return s.name == broken.victim.name; });
  ASSERT_NE(found, set.samples.end()) << "a volume without report text was left out where no report is needed";
  EXPECT_EQ(found->report, "");
  EXPECT_EQ(found->labels, broken.victim.labels);
  const std::size_t count = set.samples.size();

  const auto error = test::error_of([&] { SampleSet again = set; require_reports(c, again); });
  EXPECT_CONTAINS(error, "no report text for the volume, which the report head needs '" + broken.victim.name + "'");
  EXPECT_CONTAINS(error, "data.on_error=skip");
  c.on_error = "skip";
  require_reports(c, set);
  EXPECT_EQ(set.samples.size(), count - 1);
  EXPECT_TRUE(std::none_of(set.samples.begin(), set.samples.end(), [&](const Sample& s) { return s.name == broken.victim.name; }));
  const auto skipped = std::find_if(set.skipped.begin(), set.skipped.end(), [&](const SkippedItem& s) { return s.name == broken.victim.name; });
  ASSERT_NE(skipped, set.skipped.end());
  EXPECT_CONTAINS(skipped->reason, "which the report head needs");
}

TEST_F(Datasets, BrokenFilesAreErrorsNamingTheFileAndTheProblem) {
  test::TempDir dir;
  const auto copy = broken_copy(dir, root());
  // A volume named in dataset.json that CT-RATE does not have.
  json dataset = io::read_json(copy / "rexgroundingct/dataset.json");
  json ghost = dataset["train"][0];
  ghost["name"] = "train_999_a_1.nii.gz";
  dataset["train"].push_back(ghost);
  io::write_json(copy / "rexgroundingct/dataset.json", dataset);
  DataConfig c = config();
  c.ctrate_root = copy / "ctrate";
  c.rexgrounding_root = copy / "rexgroundingct";
  const LabelSet labels = load_label_set(c.label_set);
  try {
    rexgrounding_samples(c, labels);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "dataset.json: volume named in the dataset file is not in CT-RATE's metadata 'train_999_a_1'");
  }
  // Invalid JSON.
  dir.write("copy/rexgroundingct/dataset.json", "{\"train\": [\n");
  EXPECT_THROW(load_rexgrounding(copy / "rexgroundingct", "dataset.json"), Error);
  // A metadata CSV without a required column.
  const auto metadata = copy / "ctrate/dataset/metadata/train_metadata.csv";
  io::CsvTable table = io::read_csv(metadata);
  const std::size_t slope = table.column("RescaleSlope");
  table.header.erase(table.header.begin() + static_cast<std::ptrdiff_t>(slope));
  for (auto& row : table.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(slope));
  io::write_csv(metadata, table.header, table.rows);
  try {
    CtRateIndex::load(copy / "ctrate", "v1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "train_metadata.csv: missing column 'RescaleSlope'");
  }
  // An .npz without ct.npy.
  io::NdArray other(io::DType::int16, {2, 2, 2});
  const auto npz = copy / "radchestct" / "trn00001.npz";
  io::write_npz(npz, {{"volume", &other, false}});
  CtSource source;
  source.file = npz;
  source.format = CtFormat::radchestct_npz;
  try {
    load_ct(source);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "trn00001.npz: no member 'ct.npy'");
  }
}

// The label mapping checked against RAD-ChestCT's label files: an abnormality they have no
// columns for would leave its class negative for every volume, so it is an error at load, naming
// the mapping, the name and the nearest names the files have.
TEST_F(Datasets, AMappingNamingAnAbnormalityTheLabelFilesLackIsAnErrorWithASuggestion) {
  test::TempDir dir;
  const std::string mapping = test::slurp(config().label_set);
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string text = mapping;
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return dir.write("mapping.yaml", text.replace(at, from.size(), to));
  };
  DataConfig c = config();
  c.label_set = with("radchestct: [bronchial_wall_thickening]", "radchestct: [bronchial_wall_thickenin]");
  const auto typo = test::error_of([&] { radchestct_samples(c, load_label_set(c.label_set)); });
  EXPECT_CONTAINS(typo, "mapping.yaml: the label mapping gives class 'bronchial_wall_thickening' the RAD-ChestCT abnormality "
                        "'bronchial_wall_thickenin', which ");
  EXPECT_CONTAINS(typo, "imgtrain_Abnormality_and_Location_Labels.csv has no column for 'bronchial_wall_thickenin'");
  EXPECT_CONTAINS(typo, "(did you mean 'bronchial_wall_thickening'?)");
  c.label_set = with("radchestct: [emphysema]", "radchestct: [pneumothorax]");
  EXPECT_CONTAINS(test::error_of([&] { radchestct_samples(c, load_label_set(c.label_set)); }), "(the nearest it has: '");
}

// A label file without any column of a mapped abnormality: the class would be silently negative
// for the file's volumes (it was prepared with exit 0 before).
TEST_F(Datasets, ARadChestCtLabelFileWithoutAClassesColumnsIsAnError) {
  test::TempDir dir;
  const auto copy = broken_copy(dir, root());
  const auto csv = copy / "radchestct" / "imgtest_Abnormality_and_Location_Labels.csv";
  io::CsvTable table = io::read_csv(csv);
  for (std::size_t c = table.header.size(); c-- > 0;) {
    if (table.header[c].rfind("bronchial_wall_thickening*", 0) != 0) continue;
    table.header.erase(table.header.begin() + static_cast<std::ptrdiff_t>(c));
    for (auto& row : table.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(c));
  }
  io::write_csv(csv, table.header, table.rows);
  DataConfig c = config();
  c.radchestct_root = copy / "radchestct";
  const auto error = test::error_of([&] { radchestct_samples(c, load_label_set(c.label_set)); });
  EXPECT_CONTAINS(error, "the RAD-ChestCT abnormality 'bronchial_wall_thickening', which " + csv.string() + " has no column for");
}

TEST_F(Datasets, NanVoxelsAreRejected) {
  test::TempDir dir;
  io::Volume v;
  v.array = io::NdArray(io::DType::float32, {2, 3, 4});
  v.array.data<float>()[5] = std::nanf("");
  v.geometry = io::Geometry::identity(3);
  io::write_nifti(dir / "nan.nii.gz", v);
  CtSource source;
  source.file = dir / "nan.nii.gz";
  try {
    load_ct(source);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "nan.nii.gz: volume has NaN or infinite voxels");
  }
}

}  // namespace
}  // namespace unict::data

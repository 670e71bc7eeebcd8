#include "unict/data/synthetic.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/core/number_format.h"
#include "unict/core/progress.h"
#include "unict/core/seed.h"
#include "unict/core/thread_pool.h"
#include "unict/data/dataset_registry.h"
#include "unict/data/grid_case.h"
#include "unict/data/synthetic_case.h"
#include "unict/data/synthetic_report.h"
#include "unict/io/csv.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"
#include "unict/io/npy.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// CT-RATE's 18 label columns, in the distributed order, and which lesion codes set each.
const std::vector<std::pair<std::string, std::vector<std::string>>>& ctrate_label_columns() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> columns = {
      {"Medical material", {}}, {"Arterial wall calcification", {}}, {"Cardiomegaly", {}}, {"Pericardial effusion", {}},
      {"Coronary artery wall calcification", {}}, {"Hiatal hernia", {}}, {"Lymphadenopathy", {}}, {"Emphysema", {"1c"}},
      {"Atelectasis", {"2b"}}, {"Lung nodule", {"2d", "1e"}}, {"Lung opacity", {"2c", "2b"}},
      {"Pulmonary fibrotic sequela", {"2a"}}, {"Pleural effusion", {"2e"}}, {"Mosaic attenuation pattern", {}},
      {"Peribronchial thickening", {"1a"}}, {"Consolidation", {"2b"}}, {"Bronchiectasis", {"1b"}},
      {"Interlobular septal thickening", {"1d"}}};
  return columns;
}

// RAD-ChestCT abnormality names per lesion code (matches configs/labels/unict10.yaml), plus
// abnormalities the phantom never shows (always 0), and the location names used.
const std::map<std::string, std::vector<std::string>>& radchestct_names() {
  static const std::map<std::string, std::vector<std::string>> names = {
      {"1a", {"bronchial_wall_thickening"}}, {"1b", {"bronchiectasis", "bronchiolectasis"}}, {"1c", {"emphysema"}},
      {"1d", {"septal_thickening"}}, {"1e", {"scattered_nod"}}, {"2a", {"scarring", "fibrosis", "bandlike_or_linear", "reticulation"}},
      {"2b", {"atelectasis", "consolidation"}}, {"2c", {"groundglass"}}, {"2d", {"nodule", "nodulegr1cm", "mass"}},
      {"2e", {"pleural_effusion", "pleural_thickening"}}};
  return names;
}
const std::vector<std::string> kRadUnrelated = {"cardiomegaly", "calcification", "lymphadenopathy", "pericardial_effusion", "hernia", "tree_in_bud"};
const std::vector<std::string> kRadLocations = {"right_upper_lobe", "right_mid_lobe", "right_lower_lobe", "left_upper_lobe", "lingula",
                                                "left_lower_lobe", "right_lung", "left_lung", "lung", "other"};

std::string rad_location(const std::string& lobe) {
  static const std::map<std::string, std::string> map = {
      {"right upper lobe", "right_upper_lobe"}, {"right middle lobe", "right_mid_lobe"}, {"right lower lobe", "right_lower_lobe"},
      {"left upper lobe", "left_upper_lobe"}, {"lingula", "lingula"}, {"left lower lobe", "left_lower_lobe"},
      {"right pleural space", "right_lung"}, {"left pleural space", "left_lung"}};
  const auto it = map.find(lobe);
  return it == map.end() ? "lung" : it->second;
}


// CT-RATE writes list-valued metadata as a quoted Python list: "[0.341796875, 0.341796875]".
std::string format_list(const std::vector<double>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + core::significant(values[i], 10);
  return text + "]";
}

// One CT-RATE volume to generate: everything decided up front, serially, from the root seed.
struct VolumePlan {
  std::string split;  // train or valid (CT-RATE's)
  std::string patient, name;  // train_3, train_3_a_1
  CaseSpec spec;
  double rescale_intercept = -1024;
  std::string sex;
  int age = 50;
  std::string rex_split;  // "" (not in ReXGroundingCT), train, val, test
};

struct RadPlan {
  std::string id, csv;  // trn00001, imgtrain
  CaseSpec spec;
};

struct VolumeOutput {
  std::vector<std::string> metadata, report, labels;
  json rex_entry;
  std::vector<std::string> codes;
};

class Writer {
 public:
  Writer(fs::path root, const SyntheticOptions& options) : root_(std::move(root)), options_(options) {}

  SyntheticSummary run() {
    plan();
    const auto ctrate = root_ / "ctrate" / "dataset";
    for (const auto* dir : {"metadata", "radiology_text_reports", "multi_abnormality_labels"}) fs::create_directories(ctrate / dir);
    fs::create_directories(root_ / kReXGroundingCT / "segmentations");
    fs::create_directories(root_ / kRadChestCT);

    core::ThreadPool pool(options_.threads);
    std::vector<VolumeOutput> outputs(volumes_.size());
    {
      core::Progress progress("synth ctrate", volumes_.size());
      pool.parallel_for(volumes_.size(), [&](std::size_t v) {
        outputs[v] = write_volume(volumes_[v], v);
        progress.advance();
      });
    }
    std::vector<RadOutput> rad_outputs(rads_.size());
    {
      core::Progress progress("synth radchestct", rads_.size());
      pool.parallel_for(rads_.size(), [&](std::size_t r) {
        rad_outputs[r] = write_rad_volume(rads_[r]);
        progress.advance();
      });
    }
    write_ctrate_tables(outputs);
    write_rexgrounding(outputs);
    write_rad_labels(rad_outputs);
    write_truth(outputs, rad_outputs);

    SyntheticSummary summary;
    summary.ctrate_volumes = static_cast<std::int64_t>(volumes_.size());
    for (const auto& o : outputs) summary.rexgrounding_entries += o.rex_entry.is_null() ? 0 : 1;
    summary.radchestct_volumes = static_cast<std::int64_t>(rads_.size());
    summary.radchestct_spacing = rad_spacing_;
    return summary;
  }

 private:
  void plan() {
    core::Rng rng(options_.seed, "synthetic-plan");
    const auto& codes = synthetic_lesion_codes();
    int train_patients = 0, valid_patients = 0;
    for (std::int64_t p = 0; p < options_.patients; ++p) {
      const std::string split = rng.bernoulli(0.8) ? "train" : "valid";
      const std::string patient = split + "_" + std::to_string(split == "train" ? ++train_patients : ++valid_patients);
      std::vector<std::string> lesions;
      for (const auto& code : codes)
        if (rng.bernoulli(options_.lesion_probability)) lesions.push_back(code);
      const std::string sex = rng.bernoulli(0.5) ? "M" : "F";
      const int age = 30 + static_cast<int>(rng.below(55));
      const std::int64_t scans = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(options_.max_scans)));
      for (std::int64_t s = 0; s < scans; ++s) {
        const int reconstructions = rng.bernoulli(0.3) && !grid() ? 2 : 1;
        const double fov = rng.uniform(330, 380), z_extent = rng.uniform(280, 340);
        const double in_plane = std::round(static_cast<double>(options_.size_zyx[2]) * rng.uniform(0.9, 1.1));
        const bool padded = rng.bernoulli(0.25);
        const std::uint64_t case_seed = core::derive_seed(options_.seed, "synthetic-case", {static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(s)});
        for (int r = 1; r <= reconstructions; ++r) {
          VolumePlan v;
          v.split = split;
          v.patient = patient;
          v.name = patient + "_" + static_cast<char>('a' + s) + "_" + std::to_string(r);
          // A second reconstruction: the same acquisition with thinner slices.
          const double z_size = std::round(static_cast<double>(options_.size_zyx[0]) * (r == 1 ? rng.uniform(0.88, 1.12) : 1.25));
          v.spec.size_zyx = {static_cast<std::int64_t>(z_size), static_cast<std::int64_t>(in_plane), static_cast<std::int64_t>(in_plane)};
          v.spec.spacing_zyx = {z_extent / z_size, fov / in_plane, fov / in_plane};
          v.spec.lesion_codes = lesions;
          v.spec.circular_padding = padded;
          v.spec.seed = case_seed;
          v.spec.lesion_scale = options_.lesion_scale;
          if (grid()) {  // exactly the training grid: prepare's resampling is then the identity
            v.spec.size_zyx = options_.size_zyx;
            v.spec.spacing_zyx = options_.grid_spacing_zyx;
            v.spec.circular_padding = false;
          }
          v.rescale_intercept = padded && rng.bernoulli(0.7) ? -8192 : -1024;
          v.sex = sex;
          v.age = age;
          if (!lesions.empty()) {
            // The test split has no masks, so cross-validation cannot use it: the grid profile,
            // made for training, keeps it to a few entries that still exercise the reader.
            const double u = rng.uniform();
            const double train = grid() ? 0.9 : 0.85, val = grid() ? 0.98 : 0.93;
            v.rex_split = u < train ? "train" : u < val ? "val" : "test";
          }
          volumes_.push_back(v);
        }
      }
    }
    if (!volumes_.empty()) non_chest_ = volumes_.back().name;  // listed as non-chest: readers must skip it
    for (auto& v : volumes_)
      if (v.name == non_chest_) v.rex_split.clear();

    // RAD-ChestCT is isotropic: the grid profile draws it at the training grid's in-plane spacing
    // over the same field of view, so only the z spacing changes (a mild external shift).
    rad_spacing_ = grid() ? options_.grid_spacing_zyx[2] : 360.0 / static_cast<double>(options_.size_zyx[2]);
    const auto rad_z = grid() ? std::llround(static_cast<double>(options_.size_zyx[0]) * options_.grid_spacing_zyx[0] / rad_spacing_) : options_.size_zyx[0];
    for (std::int64_t r = 0; r < options_.radchestct_volumes; ++r) {
      RadPlan plan;
      const double u = rng.uniform();
      const std::string prefix = u < 0.7 ? "trn" : u < 0.85 ? "val" : "tst";
      char id[32];
      std::snprintf(id, sizeof id, "%s%05lld", prefix.c_str(), static_cast<long long>(r + 1));
      plan.id = id;
      plan.csv = prefix == "trn" ? "imgtrain" : prefix == "val" ? "imgvalid" : "imgtest";
      plan.spec.size_zyx = {rad_z, options_.size_zyx[1], options_.size_zyx[2]};
      plan.spec.spacing_zyx = {rad_spacing_, rad_spacing_, rad_spacing_};
      for (const auto& code : codes)
        if (rng.bernoulli(options_.lesion_probability)) plan.spec.lesion_codes.push_back(code);
      plan.spec.seed = core::derive_seed(options_.seed, "synthetic-radchestct", {static_cast<std::uint64_t>(r)});
      plan.spec.lesion_scale = options_.lesion_scale;
      rads_.push_back(plan);
    }
  }

  bool grid() const { return options_.profile == SyntheticProfile::grid; }

  SyntheticCase make_case(const CaseSpec& spec) const {
    if (!grid()) return make_synthetic_case(spec);
    GridCaseSpec g;
    g.design_size_zyx = options_.size_zyx;
    g.design_spacing_zyx = options_.grid_spacing_zyx;
    g.size_zyx = spec.size_zyx;
    g.spacing_zyx = spec.spacing_zyx;
    g.lesion_codes = spec.lesion_codes;
    g.seed = spec.seed;
    return make_grid_case(g);
  }

  VolumeOutput write_volume(const VolumePlan& v, std::size_t index) {
    const SyntheticCase c = make_case(v.spec);
    core::Rng report_rng(options_.seed, "synthetic-report", {static_cast<std::uint64_t>(index)});
    const SyntheticReport report = grid() ? write_grid_report(c.findings) : write_synthetic_report(c.findings, report_rng);
    const std::string file = v.name + ".nii.gz";
    const auto ctrate = root_ / "ctrate" / "dataset";
    const auto scan_dir = v.patient + "/" + v.name.substr(0, v.name.rfind('_'));

    // v2: int16 HU in LPS with the true geometry.
    io::Volume ct;
    ct.array = io::NdArray(io::DType::int16, {c.size_zyx[0], c.size_zyx[1], c.size_zyx[2]});
    std::copy(c.hu.begin(), c.hu.end(), ct.array.data<std::int16_t>());
    ct.geometry = io::Geometry::identity(3);
    ct.geometry.spacing = {c.spacing_zyx[2], c.spacing_zyx[1], c.spacing_zyx[0]};
    ct.geometry.origin = {c.origin_xyz[0], c.origin_xyz[1], c.origin_xyz[2]};
    const auto v2_dir = ctrate / (v.split + "_fixed") / scan_dir;
    fs::create_directories(v2_dir);
    io::write_nifti(v2_dir / file, ct);

    if (options_.ctrate_v1) {  // stored = HU - intercept, with a header that says nothing useful
      io::Volume raw = ct;
      auto* values = raw.array.data<std::int16_t>();
      for (std::size_t i = 0; i < raw.array.size(); ++i) values[i] = static_cast<std::int16_t>(values[i] - v.rescale_intercept);
      raw.geometry = io::Geometry::identity(3);
      const auto v1_dir = ctrate / v.split / scan_dir;
      fs::create_directories(v1_dir);
      io::write_nifti(v1_dir / file, raw);
    }

    VolumeOutput out;
    for (const auto& f : c.findings) out.codes.push_back(f.code);
    out.metadata = {file, "SYNTHETIC", v.sex, std::to_string(v.age) + "Y",
                    format_list({c.spacing_zyx[2], c.spacing_zyx[1]}), core::significant(c.spacing_zyx[0], 10),
                    core::significant(v.rescale_intercept, 10), "1", format_list({c.origin_xyz[0], c.origin_xyz[1], c.origin_xyz[2]}),
                    "[1, 0, 0, 0, 1, 0]", std::to_string(c.size_zyx[0])};
    out.report = {file, clinical_information(index), "Non-contrast thin-section chest CT.", report.findings, report.impressions};
    // The labels file names volumes with or without the extension (both occur in CT-RATE).
    out.labels = {v.split == "train" ? file : v.name};
    for (const auto& [column, codes] : ctrate_label_columns()) {
      bool present = false;
      for (const auto& code : codes) present = present || std::find(out.codes.begin(), out.codes.end(), code) != out.codes.end();
      out.labels.push_back(present ? "1" : "0");
    }

    // A case whose lesions were all hidden or never fitted shows nothing: like a healthy one, it
    // has no ReXGroundingCT entry (an entry needs at least one finding and mask channel).
    if (!v.rex_split.empty() && !c.findings.empty()) {
      json entry;
      entry["name"] = file;
      json findings = json::object(), categories = json::object(), pixels = json::object(), counts = json::object();
      for (std::size_t f = 0; f < c.findings.size(); ++f) {
        const std::string key = std::to_string(f);
        findings[key] = report.finding_sentences[f];
        categories[key] = c.findings[f].code;
        pixels[key] = c.findings[f].voxels;
        counts[key] = c.findings[f].instances;
      }
      entry["findings"] = findings;
      entry["challenge_categories"] = categories;  // for MICCAI_challenge_dataset.json; removed when the files are assembled
      if (v.rex_split != "test") {  // test entries carry names and findings only, and no mask
        entry["categories"] = categories;
        entry["pixels"] = pixels;
        entry["entity_counts"] = counts;
        entry["shape"] = {c.size_zyx[2], c.size_zyx[1], c.size_zyx[0]};
        entry["protocol"] = "non-contrast chest CT";
        write_mask(c, root_ / kReXGroundingCT / "segmentations" / file);
      }
      out.rex_entry = entry;
      out.rex_entry["split"] = v.rex_split;  // removed when the JSON is assembled
    }
    return out;
  }

  std::string clinical_information(std::size_t index) const {
    core::Rng rng(options_.seed, "synthetic-clinical", {static_cast<std::uint64_t>(index)});
    static const std::vector<std::string> reasons = {"Not given.", "Cough.", "Shortness of breath.", "Follow-up.", "Fever and cough."};
    return reasons[static_cast<std::size_t>(rng.below(reasons.size()))];
  }

  // ReXGroundingCT masks: nibabel shape (findings, x, y, z), so in C order (z, y, x, finding).
  static void write_mask(const SyntheticCase& c, const fs::path& file) {
    const std::size_t findings = c.findings.size();
    io::Volume mask;
    mask.array = io::NdArray(io::DType::uint8, {c.size_zyx[0], c.size_zyx[1], c.size_zyx[2], static_cast<std::int64_t>(findings)});
    auto* out = mask.array.data<std::uint8_t>();
    const std::size_t voxels = c.hu.size();
    for (std::size_t f = 0; f < findings; ++f)
      for (std::size_t v = 0; v < voxels; ++v) out[v * findings + f] = c.findings[f].mask[v];
    mask.geometry = io::Geometry::identity(4);  // as distributed: an identity header
    io::write_nifti(file, mask);
  }

  // The "<abnormality>*<location>" label columns set to 1, and the codes painted.
  struct RadOutput {
    std::vector<std::string> labels, codes;
  };

  RadOutput write_rad_volume(const RadPlan& plan) {
    const SyntheticCase c = make_case(plan.spec);
    // RAD-ChestCT axes: slices superior to inferior, rows anterior to posterior, columns right to
    // left; HU clipped to [-1000, 1000]; stored in Fortran order.
    io::NdArray ct(io::DType::int16, {c.size_zyx[0], c.size_zyx[1], c.size_zyx[2]});
    auto* out = ct.data<std::int16_t>();
    const std::size_t slice = static_cast<std::size_t>(c.size_zyx[1] * c.size_zyx[2]);
    for (std::int64_t k = 0; k < c.size_zyx[0]; ++k) {
      const std::size_t from = static_cast<std::size_t>(c.size_zyx[0] - 1 - k) * slice;
      for (std::size_t i = 0; i < slice; ++i)
        out[static_cast<std::size_t>(k) * slice + i] = static_cast<std::int16_t>(std::clamp<int>(c.hu[from + i], -1000, 1000));
    }
    io::write_npz(root_ / kRadChestCT / (plan.id + ".npz"), {{"ct", &ct, true}}, true);
    RadOutput result;
    core::Rng rng(plan.spec.seed, "labels");
    for (const auto& f : c.findings) {
      const auto& names = radchestct_names().at(f.code);
      std::string name = names[static_cast<std::size_t>(rng.below(names.size()))];
      if (f.code == "2d") name = f.size_mm > 20 ? "mass" : f.size_mm > 10 ? "nodulegr1cm" : "nodule";
      for (const auto& lobe : f.locations) result.labels.push_back(name + "*" + rad_location(lobe));
      result.codes.push_back(f.code);
    }
    return result;
  }

  void write_ctrate_tables(const std::vector<VolumeOutput>& outputs) {
    const auto ctrate = root_ / "ctrate" / "dataset";
    const std::vector<std::string> metadata_header = {"VolumeName", "Manufacturer", "PatientSex", "PatientAge", "XYSpacing", "ZSpacing",
                                                      "RescaleIntercept", "RescaleSlope", "ImagePositionPatient", "ImageOrientationPatient",
                                                      "NumberofSlices"};
    const std::vector<std::string> report_header = {"VolumeName", "ClinicalInformation_EN", "Technique_EN", "Findings_EN", "Impressions_EN"};
    std::vector<std::string> label_header = {"VolumeName"};
    for (const auto& [column, codes] : ctrate_label_columns()) label_header.push_back(column);
    for (const std::string split : {"train", "valid"}) {
      std::vector<std::vector<std::string>> metadata, reports, labels;
      for (std::size_t v = 0; v < volumes_.size(); ++v) {
        if (volumes_[v].split != split) continue;
        metadata.push_back(outputs[v].metadata);
        reports.push_back(outputs[v].report);
        labels.push_back(outputs[v].labels);
      }
      const std::string long_name = split == "train" ? "train" : "validation";
      io::write_csv(ctrate / "metadata" / (long_name + "_metadata.csv"), metadata_header, metadata);
      io::write_csv(ctrate / "radiology_text_reports" / (long_name + "_reports.csv"), report_header, reports);
      io::write_csv(ctrate / "multi_abnormality_labels" / (split + "_predicted_labels.csv"), label_header, labels);
      std::string no_chest;
      if (non_chest_.rfind(split + "_", 0) == 0) no_chest = non_chest_ + ".nii.gz\n";
      core::write_file_atomic(ctrate / "metadata" / ("no_chest_" + split + ".txt"), no_chest);
    }
  }

  // dataset.json, whose test entries carry names and findings only, and MICCAI_challenge_dataset.json,
  // whose test entries also carry their categories (but still no mask and no counts), as the
  // challenge's release does.
  void write_rexgrounding(const std::vector<VolumeOutput>& outputs) {
    json dataset = {{"train", json::array()}, {"val", json::array()}, {"test", json::array()}};
    json challenge = dataset;
    for (const auto& o : outputs) {
      if (o.rex_entry.is_null()) continue;
      json entry = o.rex_entry;
      const std::string split = entry["split"];
      const json categories = entry["challenge_categories"];
      entry.erase("split");
      entry.erase("challenge_categories");
      dataset[split].push_back(entry);
      if (split == "test") entry["categories"] = categories;
      challenge[split].push_back(entry);
    }
    io::write_json(root_ / kReXGroundingCT / "dataset.json", dataset, 1);
    io::write_json(root_ / kReXGroundingCT / "MICCAI_challenge_dataset.json", challenge, 1);
  }

  void write_rad_labels(const std::vector<RadOutput>& rad_outputs) {
    std::vector<std::string> abnormalities;
    for (const auto& [code, names] : radchestct_names()) abnormalities.insert(abnormalities.end(), names.begin(), names.end());
    abnormalities.insert(abnormalities.end(), kRadUnrelated.begin(), kRadUnrelated.end());
    std::vector<std::string> header = {"NoteAcc_DEID"};
    for (const auto& a : abnormalities)
      for (const auto& l : kRadLocations) header.push_back(a + "*" + l);
    for (const std::string csv : {"imgtrain", "imgvalid", "imgtest"}) {
      std::vector<std::vector<std::string>> rows;
      for (std::size_t r = 0; r < rads_.size(); ++r) {
        if (rads_[r].csv != csv) continue;
        std::vector<std::string> row = {rads_[r].id};
        for (std::size_t h = 1; h < header.size(); ++h)
          row.push_back(std::find(rad_outputs[r].labels.begin(), rad_outputs[r].labels.end(), header[h]) != rad_outputs[r].labels.end() ? "1" : "0");
        rows.push_back(std::move(row));
      }
      io::write_csv(root_ / kRadChestCT / (csv + "_Abnormality_and_Location_Labels.csv"), header, rows);
    }
  }

  void write_truth(const std::vector<VolumeOutput>& outputs, const std::vector<RadOutput>& rad_outputs) {
    json truth;
    truth["generator"] = {{"profile", grid() ? "grid" : "realistic"}, {"seed", options_.seed}, {"patients", options_.patients},
                          {"size_zyx", options_.size_zyx}, {"lesion_probability", options_.lesion_probability}};
    if (grid()) truth["generator"]["grid_spacing_zyx"] = options_.grid_spacing_zyx;
    truth["radchestct_spacing"] = rad_spacing_;
    truth["non_chest"] = non_chest_;
    json ctrate = json::object();
    for (std::size_t v = 0; v < volumes_.size(); ++v) ctrate[volumes_[v].name] = {{"codes", outputs[v].codes}, {"patient", volumes_[v].patient}};
    truth["ctrate"] = ctrate;
    json rad = json::object();
    for (std::size_t r = 0; r < rads_.size(); ++r) rad[rads_[r].id] = {{"codes", rad_outputs[r].codes}};  // what was painted
    truth[kRadChestCT] = rad;
    io::write_json(root_ / "synthetic_truth.json", truth);
  }

  fs::path root_;
  const SyntheticOptions& options_;
  std::vector<VolumePlan> volumes_;
  std::vector<RadPlan> rads_;
  std::string non_chest_;
  double rad_spacing_ = 0;
};

}  // namespace

SyntheticSummary write_synthetic_dataset(const fs::path& out, const SyntheticOptions& options, bool replace) {
  std::error_code ec;
  const bool exists = fs::exists(out, ec);
  if (exists && !replace) throw Error("output folder already exists; pass --force to replace an earlier synthetic data set").file(out.string());
  if (exists && !fs::exists(out / "synthetic_truth.json"))
    throw Error("refusing to replace a folder that does not hold a synthetic data set (no synthetic_truth.json)").file(out.string());
  if (options.patients < 1) throw Error("invalid number of patients").value(std::to_string(options.patients)).expected(">= 1");
  for (auto n : options.size_zyx)
    if (n < 16 || n > 1024) throw Error("invalid volume size").value(std::to_string(n)).expected("16 to 1024 voxels per axis");

  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  fs::create_directories(parent);
  const fs::path staging = parent / ("." + out.filename().string() + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  SyntheticSummary summary;
  try {
    summary = Writer(staging, options).run();
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  if (exists) {
    const fs::path old = parent / ("." + out.filename().string() + ".old-" + std::to_string(::getpid()));
    fs::rename(out, old);
    fs::rename(staging, out);
    fs::remove_all(old, ec);
  } else {
    fs::rename(staging, out);
  }
  return summary;
}

}  // namespace unict::data

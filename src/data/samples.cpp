#include "unict/data/samples.h"

#include <algorithm>

#include "unict/core/error.h"
#include "unict/core/string_distance.h"
#include "unict/data/ctrate.h"
#include "unict/data/radchestct.h"
#include "unict/data/rexgrounding.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;

// Every RAD-ChestCT abnormality the label mapping names must have columns in each label file: a
// name a file lacks would make its classes silently negative for that file's volumes.
void require_mapped_abnormalities(const LabelSet& labels, const RadChestLabelFile& file) {
  const std::vector<std::string> present(file.abnormalities.begin(), file.abnormalities.end());
  for (const auto& c : labels.classes)
    for (const auto& name : c.radchestct_names) {
      if (file.abnormalities.count(name)) continue;
      Error error("the label mapping gives class '" + c.name + "' the RAD-ChestCT abnormality '" + name + "', which " + file.file.string() +
                  " has no column for");
      error.file(labels.file).value(name);
      if (const auto near = core::nearest_word(name, present)) {
        error.hint("did you mean '" + *near + "'?");
      } else {
        std::string nearest;
        for (const auto& n : core::nearest_words(name, present, 3)) nearest += (nearest.empty() ? "'" : ", '") + n + "'";
        error.hint(present.empty() ? "the file has no abnormality columns" : "the nearest it has: " + nearest);
      }
      throw error;
    }
}

// Applies data.on_error to one problem item.
void problem(const DataConfig& config, SampleSet& set, const std::string& name, Error error) {
  if (config.on_error == "fail") throw error.hint("set data.on_error=skip to leave such items out");
  set.skipped.push_back({name, error.what()});
}

}  // namespace

SampleSet rexgrounding_samples(const DataConfig& config, const LabelSet& labels) {
  if (config.rexgrounding_root.empty()) throw Error("no ReXGroundingCT folder configured").key("data.rexgrounding_root");
  if (config.ctrate_root.empty()) throw Error("no CT-RATE folder configured (ReXGroundingCT's volumes come from it)").key("data.ctrate_root");
  const CtRateIndex ctrate = CtRateIndex::load(config.ctrate_root, config.ctrate_tree);
  const auto entries = load_rexgrounding(config.rexgrounding_root, config.rexgrounding_json);
  const std::string json_file = (config.rexgrounding_root / config.rexgrounding_json).string();

  SampleSet set;
  set.class_names = labels.names();
  for (const auto& entry : entries) {
    if (ctrate.is_non_chest(entry.name)) {
      set.skipped.push_back({entry.name, "listed as a non-chest volume by CT-RATE"});
      continue;
    }
    const bool annotated = !entry.findings.empty() &&
                           std::all_of(entry.findings.begin(), entry.findings.end(), [](const RexFinding& f) { return !f.code.empty(); });
    if (!annotated) {
      set.skipped.push_back({entry.name, "no categories in " + json_file + " (an entry without annotations, e.g. the test split)"});
      continue;
    }
    const CtRateVolume* volume = ctrate.find(entry.name);
    if (!volume) {
      problem(config, set, entry.name, Error("volume named in the dataset file is not in CT-RATE's metadata").file(json_file).value(entry.name));
      continue;
    }
    if (!fs::exists(volume->ct.file)) {
      problem(config, set, entry.name, Error("volume file is missing").file(volume->ct.file.string()));
      continue;
    }
    // An entry that describes its mask (entity counts, voxel counts) must have the file; one that
    // does not (the challenge file's test split) serves classification and reports only.
    const bool mask_described = std::any_of(entry.findings.begin(), entry.findings.end(), [](const RexFinding& f) { return f.entities >= 0 || f.pixels >= 0; });
    const std::string mask_path = (config.rexgrounding_root / "segmentations" / (entry.name + ".nii.gz")).string();
    if (entry.mask_file.empty() && mask_described) {
      problem(config, set, entry.name, Error("mask file is missing").file(mask_path));
      continue;
    }
    if (entry.mask_file.empty())
      set.without_masks.push_back({entry.name, "no mask (" + entry.split + " entry of " + json_file + " without " + mask_path +
                                                   " or entity counts): used for classification and reports, not segmentation"});
    Sample s;
    s.name = entry.name;
    s.patient = volume->patient;
    s.ct = volume->ct;
    s.mask_file = entry.mask_file;
    s.source_split = entry.split;
    s.class_channels.assign(labels.size(), {});
    s.labels.assign(labels.size(), 0);
    for (std::size_t f = 0; f < entry.findings.size(); ++f) {
      if (const auto c = labels.class_of_code(entry.findings[f].code)) {
        s.class_channels[*c].push_back(static_cast<int>(f));
        s.labels[*c] = 1;
      }
    }
    if (config.report_source == "findings_en") {
      s.report = volume->findings;
    } else {
      for (const auto& f : entry.findings) s.report += (s.report.empty() ? "" : " ") + f.text;
    }
    set.samples.push_back(std::move(s));  // an empty report is a problem only where one is needed (require_reports)
  }
  return set;
}

void require_reports(const DataConfig& config, SampleSet& set) {
  std::vector<Sample> kept;
  for (auto& s : set.samples) {
    if (!s.report.empty()) {
      kept.push_back(std::move(s));
      continue;
    }
    problem(config, set, s.name,
            Error("no report text for the volume, which the report head needs").value(s.name).expected(
                config.report_source == "findings_en" ? "a Findings_EN entry in CT-RATE's reports CSV that is not empty or 'Not given.'"
                                                      : "ReXGroundingCT findings with text"));
  }
  set.samples = std::move(kept);
}

SampleSet radchestct_samples(const DataConfig& config, const LabelSet& labels) {
  if (config.radchestct_root.empty()) throw Error("no RAD-ChestCT folder configured").key("data.radchestct_root");
  const auto external = labels.radchestct_classes();
  SampleSet set;
  for (const auto& c : external) set.class_names.push_back(c.name);
  const RadChestLabels read = load_radchestct(config.radchestct_root);
  for (const auto& file : read.files) require_mapped_abnormalities(labels, file);
  for (const auto& volume : read.volumes) {
    if (!fs::exists(volume.file)) {
      problem(config, set, volume.id, Error("volume file is missing").file(volume.file.string()));
      continue;
    }
    Sample s;
    s.name = volume.id;
    s.patient = volume.id;  // RAD-ChestCT gives no patient identifiers: one volume per patient
    s.ct.file = volume.file;
    s.ct.format = CtFormat::radchestct_npz;
    s.ct.geometry = radchestct_geometry(config.radchestct_spacing);
    s.source_split = volume.csv;
    for (const auto& c : external) {
      bool present = false;
      for (auto member : c.members)
        for (const auto& name : labels.classes[member].radchestct_names) present = present || volume.abnormalities.count(name) > 0;
      s.labels.push_back(present ? 1 : 0);
    }
    set.samples.push_back(std::move(s));
  }
  return set;
}

}  // namespace unict::data

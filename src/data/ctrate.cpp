#include "unict/data/ctrate.h"

#include <algorithm>
#include <fstream>

#include "unict/core/error.h"
#include "unict/io/csv.h"

namespace unict::data {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_name(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto at = name.find('_'); at != std::string::npos; at = name.find('_', start)) {
    parts.push_back(name.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(name.substr(start));
  return parts;
}

// The volume names of a no_chest_*.txt file. A line may be a bare name (train_33_a_1.nii.gz) or a
// path into the release (dataset/train_fixed/train_33/train_33_a/train_33_a_1.nii.gz): the volume
// is its file name either way.
std::vector<std::string> read_volume_names(const fs::path& file) {
  std::vector<std::string> names;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.erase(0, 1);
    const std::string name = fs::path(line).filename().string();
    if (!name.empty()) names.push_back(strip_nifti_extension(name));
  }
  return names;
}

// v1 geometry from the metadata row: DICOM PixelSpacing is (row spacing = y, column spacing = x).
io::Geometry v1_geometry(const io::CsvTable& table, const std::vector<std::string>& row, const std::string& context) {
  io::Geometry g = io::Geometry::identity(3);
  const auto xy = io::parse_number_list(row[table.column("XYSpacing")], context + " XYSpacing");
  if (xy.size() != 2) throw Error("XYSpacing must hold two numbers").file(context).value(row[table.column("XYSpacing")]);
  g.spacing = {xy[1], xy[0], io::parse_number(row[table.column("ZSpacing")], context + " ZSpacing")};
  for (double s : g.spacing)
    if (!(s > 0)) throw Error("non-positive voxel spacing").file(context).value(std::to_string(s));
  const auto position = io::parse_number_list(row[table.column("ImagePositionPatient")], context + " ImagePositionPatient");
  if (position.size() == 3) g.origin = position;
  return g;
}

}  // namespace

std::string strip_nifti_extension(const std::string& name) {
  for (const std::string ext : {".nii.gz", ".nii"})
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) return name.substr(0, name.size() - ext.size());
  return name;
}

std::string ctrate_patient_of(const std::string& volume_name) {
  const auto parts = split_name(strip_nifti_extension(volume_name));
  if (parts.size() != 4 || parts[0].empty() || parts[1].empty())
    throw Error("not a CT-RATE volume name").value(volume_name).expected("<split>_<patient>_<scan>_<reconstruction>, e.g. train_1741_b_2");
  return parts[0] + "_" + parts[1];
}

CtRateIndex CtRateIndex::load(const fs::path& root, const std::string& tree) {
  const fs::path dataset = root / "dataset";
  if (!fs::is_directory(dataset)) throw Error("no dataset/ folder: not a CT-RATE download").file(root.string()).expected("data.ctrate_root to hold dataset/");
  CtRateIndex index;
  for (const std::string split : {"train", "valid"}) {
    const auto excluded = dataset / "metadata" / ("no_chest_" + split + ".txt");
    if (fs::exists(excluded))
      for (auto& name : read_volume_names(excluded)) index.non_chest_.push_back(std::move(name));
  }
  for (const std::string split : {"train", "valid"}) {
    const std::string long_split = split == "train" ? "train" : "validation";
    const fs::path metadata_file = dataset / "metadata" / (long_split + "_metadata.csv");
    if (!fs::exists(metadata_file)) continue;  // a download may hold only one split
    const io::CsvTable metadata = io::read_csv(metadata_file);
    const std::size_t name_column = metadata.column("VolumeName");
    const std::size_t slope_column = metadata.column("RescaleSlope"), intercept_column = metadata.column("RescaleIntercept");
    for (const auto& row : metadata.rows) {
      CtRateVolume v;
      v.name = strip_nifti_extension(row[name_column]);
      if (index.is_non_chest(v.name)) continue;
      v.patient = ctrate_patient_of(v.name);
      v.split = split;
      const std::string scan = v.name.substr(0, v.name.rfind('_'));
      const std::string folder = tree == "v2" ? split + "_fixed" : split;
      v.ct.file = dataset / folder / v.patient / scan / (v.name + ".nii.gz");
      if (tree == "v1") {
        const std::string context = metadata_file.string() + " (" + v.name + ")";
        v.ct.format = CtFormat::nifti_rescaled;
        v.ct.slope = io::parse_number(row[slope_column], context + " RescaleSlope");
        v.ct.intercept = io::parse_number(row[intercept_column], context + " RescaleIntercept");
        v.ct.geometry = v1_geometry(metadata, row, context);
      } else if (tree != "v2") {
        throw Error("unknown CT-RATE tree").key("data.ctrate_tree").value(tree).expected("v2 or v1");
      }
      index.by_name_[v.name] = index.volumes_.size();
      index.volumes_.push_back(std::move(v));
    }

    const fs::path reports_file = dataset / "radiology_text_reports" / (long_split + "_reports.csv");
    if (fs::exists(reports_file)) {
      const io::CsvTable reports = io::read_csv(reports_file);
      const std::size_t name = reports.column("VolumeName"), findings = reports.column("Findings_EN"), impressions = reports.column("Impressions_EN");
      for (const auto& row : reports.rows) {
        auto it = index.by_name_.find(strip_nifti_extension(row[name]));
        if (it == index.by_name_.end()) continue;
        index.volumes_[it->second].findings = row[findings] == "Not given." ? "" : row[findings];
        index.volumes_[it->second].impressions = row[impressions] == "Not given." ? "" : row[impressions];
      }
    }
    const fs::path labels_file = dataset / "multi_abnormality_labels" / (split + "_predicted_labels.csv");
    if (fs::exists(labels_file)) {
      const io::CsvTable labels = io::read_csv(labels_file);
      const std::size_t name = labels.column("VolumeName");
      for (const auto& row : labels.rows) {
        auto it = index.by_name_.find(strip_nifti_extension(row[name]));
        if (it == index.by_name_.end()) continue;
        for (std::size_t c = 0; c < labels.header.size(); ++c) {
          if (c == name) continue;
          const double value = io::parse_number(row[c], labels_file.string() + " (" + row[name] + ", " + labels.header[c] + ")");
          index.volumes_[it->second].labels[labels.header[c]] = value > 0.5 ? 1 : 0;
        }
      }
    }
  }
  if (index.volumes_.empty())
    throw Error("no volumes listed: expected dataset/metadata/train_metadata.csv or validation_metadata.csv").file(root.string());
  return index;
}

const CtRateVolume* CtRateIndex::find(const std::string& volume_name) const {
  const auto it = by_name_.find(strip_nifti_extension(volume_name));
  return it == by_name_.end() ? nullptr : &volumes_[it->second];
}

bool CtRateIndex::is_non_chest(const std::string& volume_name) const {
  return std::find(non_chest_.begin(), non_chest_.end(), strip_nifti_extension(volume_name)) != non_chest_.end();
}

}  // namespace unict::data

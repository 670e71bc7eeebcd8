#include "unict/eval/segmentation_report.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "unict/core/error.h"
#include "unict/core/number_format.h"
#include "unict/eval/segmentation.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"

namespace unict::eval {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_classes(const fs::path& folder) {
  const auto file = folder / "classes.json";
  if (!fs::exists(file)) throw Error("a mask folder needs classes.json").file(file.string()).expected("{\"classes\": [\"<class>\", ...]}");
  const auto doc = io::read_json(file);
  if (!doc.is_object() || !doc.contains("classes") || !doc["classes"].is_array())
    throw Error("not a class list").file(file.string()).expected("{\"classes\": [\"<class>\", ...]}");
  return doc["classes"].get<std::vector<std::string>>();
}

// Volume name -> mask file.
std::map<std::string, fs::path> mask_files(const fs::path& folder) {
  std::map<std::string, fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    for (const std::string suffix : {".nii.gz", ".nii"})
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        files[name.substr(0, name.size() - suffix.size())] = entry.path();
  }
  return files;
}

// Channel c of a (class, z, y, x) or (z, y, x) array as a binary mask.
Mask3d channel(const io::NdArray& array, std::size_t c, const fs::path& file) {
  const bool four = array.ndim() == 4;
  if (array.ndim() != 3 && !four) throw Error("a mask must be 3-D or 4-D").file(file.string()).value(std::to_string(array.ndim()) + "-D");
  const auto offset = static_cast<std::size_t>(four ? 1 : 0);
  Mask3d m{array.shape[offset], array.shape[offset + 1], array.shape[offset + 2], {}};
  const auto n = static_cast<std::size_t>(m.z * m.y * m.x);
  m.voxels.resize(n);
  for (std::size_t i = 0; i < n; ++i) m.voxels[i] = array.value_at(c * n + i) != 0 ? 1 : 0;
  return m;
}

std::optional<double> ratio(std::int64_t a, std::int64_t b) {
  return b == 0 ? std::nullopt : std::optional<double>(static_cast<double>(a) / static_cast<double>(b));
}

nlohmann::json number_or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }


}  // namespace

void write_mask_folder_classes(const fs::path& folder, const std::vector<std::string>& classes) {
  fs::create_directories(folder);
  io::write_json(folder / "classes.json", nlohmann::json{{"classes", classes}});
}

SegmentationReport evaluate_segmentation(const fs::path& predictions, const fs::path& truth) {
  const auto pred_classes = read_classes(predictions), true_classes = read_classes(truth);
  std::vector<std::size_t> pred_channel;  // per true class
  for (const auto& c : true_classes) {
    const auto found = std::find(pred_classes.begin(), pred_classes.end(), c);
    if (found == pred_classes.end()) throw Error("class has no predicted masks").file((predictions / "classes.json").string()).value(c);
    pred_channel.push_back(static_cast<std::size_t>(found - pred_classes.begin()));
  }
  const auto pred_files = mask_files(predictions), true_files = mask_files(truth);
  for (const auto& [name, file] : true_files)
    if (!pred_files.count(name)) throw Error("volume has a ground-truth mask but no prediction").file(predictions.string()).value(name).hint(file.string());
  for (const auto& [name, file] : pred_files)
    if (!true_files.count(name)) throw Error("volume has a predicted mask but no ground truth").file(truth.string()).value(name).hint(file.string());

  SegmentationReport report;
  report.volumes = true_files.size();
  std::vector<SegmentationClassResult> r(true_classes.size());
  std::vector<double> dice_sum(r.size(), 0), hits(r.size(), 0), fp_ml(r.size(), 0);
  for (std::size_t c = 0; c < r.size(); ++c) r[c].name = true_classes[c];
  for (const auto& [name, true_file] : true_files) {
    const auto t = io::read_nifti(true_file, io::NiftiScaling::stored);
    const auto p = io::read_nifti(pred_files.at(name), io::NiftiScaling::stored);
    if (t.array.ndim() < 3 || t.array.shape.size() != p.array.shape.size() ||
        !std::equal(t.array.shape.end() - 3, t.array.shape.end(), p.array.shape.end() - 3))
      throw Error("prediction and ground truth differ in shape").file(pred_files.at(name).string()).hint("ground truth " + true_file.string());
    double voxel_ml = 1e-3;
    for (std::size_t a = 0; a < 3 && a < t.geometry.spacing.size(); ++a) voxel_ml *= t.geometry.spacing[a];
    for (std::size_t c = 0; c < r.size(); ++c) {
      const auto g = channel(t.array, c, true_file);
      const auto q = channel(p.array, pred_channel[c], pred_files.at(name));
      if (count_voxels(g) > 0) {
        const double d = *dice(q, g);
        ++r[c].with_class;
        dice_sum[c] += d;
        hits[c] += d >= kHitDice;
        const auto inst = match_instances(q, g, kInstanceDice);
        r[c].predicted_instances += inst.predicted;
        r[c].true_instances += inst.truth;
        r[c].matched_instances += inst.matched;
      } else {
        ++r[c].without_class;
        fp_ml[c] += static_cast<double>(count_voxels(q)) * voxel_ml;
        // Predicted components on a volume without the class are false-positive instances too.
        r[c].predicted_instances += connected_components_26(q).count;
      }
    }
  }
  std::int64_t findings = 0, all_hits = 0, predicted = 0, true_instances = 0, matched = 0;
  double dice_total = 0;
  std::size_t dice_classes = 0;
  for (std::size_t c = 0; c < r.size(); ++c) {
    auto& x = r[c];
    if (x.with_class > 0) {
      x.dice = dice_sum[c] / static_cast<double>(x.with_class);
      x.hit_rate = hits[c] / static_cast<double>(x.with_class);
      dice_total += *x.dice;
      ++dice_classes;
    }
    if (x.without_class > 0) x.false_positive_ml = fp_ml[c] / static_cast<double>(x.without_class);
    x.instance_precision = ratio(x.matched_instances, x.predicted_instances);
    x.instance_recall = ratio(x.matched_instances, x.true_instances);
    x.instance_f1 = ratio(2 * x.matched_instances, x.predicted_instances + x.true_instances);
    findings += x.with_class;
    all_hits += static_cast<std::int64_t>(hits[c]);
    predicted += x.predicted_instances;
    true_instances += x.true_instances;
    matched += x.matched_instances;
  }
  if (dice_classes > 0) report.dice_mean = dice_total / static_cast<double>(dice_classes);
  report.hit_rate = ratio(all_hits, findings);
  report.instance_f1 = ratio(2 * matched, predicted + true_instances);
  report.per_class = std::move(r);
  return report;
}

MetricValues metric_values(const SegmentationReport& report) {
  MetricValues values;
  values.set("seg.dice_mean", report.dice_mean);
  values.set("seg.hit_rate", report.hit_rate);
  values.set("seg.instance_f1", report.instance_f1);
  return values;
}

nlohmann::json to_json(const SegmentationReport& report) {
  nlohmann::json doc;
  doc["volumes"] = report.volumes;
  doc["per_class"] = nlohmann::json::object();
  for (const auto& c : report.per_class) {
    doc["per_class"][c.name] = {{"dice", number_or_null(c.dice)},
                                {"hit_rate", number_or_null(c.hit_rate)},
                                {"instance_precision", number_or_null(c.instance_precision)},
                                {"instance_recall", number_or_null(c.instance_recall)},
                                {"instance_f1", number_or_null(c.instance_f1)},
                                {"false_positive_ml", number_or_null(c.false_positive_ml)},
                                {"volumes_with_class", c.with_class},
                                {"volumes_without_class", c.without_class},
                                {"instances", {{"predicted", c.predicted_instances}, {"true", c.true_instances}, {"matched", c.matched_instances}}}};
  }
  doc["dice_mean"] = number_or_null(report.dice_mean);
  doc["hit_rate"] = number_or_null(report.hit_rate);
  doc["instance_f1"] = number_or_null(report.instance_f1);
  doc["conventions"] =
      "Dice is averaged over volumes whose ground truth has the class (empty ground truth: no Dice, the predicted volume counts as "
      "false_positive_ml instead); dice_mean averages the classes that have ground truth anywhere; a finding is a (volume, class) "
      "pair with ground truth, hit when Dice >= 0.1; instances are 26-connected components, a true positive matches one ground-truth "
      "component one-to-one with Dice >= 0.2, counts pooled over volumes; null = no case to measure on";
  return doc;
}

std::string to_table(const SegmentationReport& report) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s%10s%10s%10s%10s%10s%12s%8s\n", "class", "dice", "hit_rate", "inst_P", "inst_R", "inst_F1",
                "fp_ml", "with");
  out += line;
  for (const auto& c : report.per_class) {
    std::snprintf(line, sizeof line, "%-28s%10s%10s%10s%10s%10s%12s%8lld\n", c.name.c_str(), core::fixed(c.dice, 4, "-").c_str(), core::fixed(c.hit_rate, 4, "-").c_str(),
                  core::fixed(c.instance_precision, 4, "-").c_str(), core::fixed(c.instance_recall, 4, "-").c_str(), core::fixed(c.instance_f1, 4, "-").c_str(),
                  core::fixed(c.false_positive_ml, 2, "-").c_str(), static_cast<long long>(c.with_class));
    out += line;
  }
  std::snprintf(line, sizeof line, "dice_mean %s, hit_rate %s, instance_f1 %s over %zu volumes\n", core::fixed(report.dice_mean, 4, "-").c_str(),
                core::fixed(report.hit_rate, 4, "-").c_str(), core::fixed(report.instance_f1, 4, "-").c_str(), report.volumes);
  return out + line;
}

}  // namespace unict::eval

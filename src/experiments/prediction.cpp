#include "unict/experiments/prediction.h"

#include <torch/torch.h>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/data/intensity_window.h"
#include "unict/data/preprocess.h"
#include "unict/data/resample.h"
#include "unict/eval/classification_report.h"
#include "unict/experiments/run_folder.h"
#include "unict/experiments/run_setup.h"
#include "unict/io/json.h"
#include "unict/io/nifti.h"
#include "unict/train/validation.h"

namespace unict::experiments {

namespace fs = std::filesystem;

nlohmann::json predict_scan(const fs::path& run_dir, const fs::path& scan, const fs::path& out, bool force) {
  if (!fs::exists(scan)) throw Error("scan not found").file(scan.string());
  if (fs::exists(out / "probabilities.json") && !force)
    throw Error("the output folder holds a prediction").file(out.string()).hint("pass --force to replace it");
  TrainedRun run = load_trained_run(run_dir);
  fs::create_directories(out);

  // Preprocessed as prepare does, and given to the model through the loader's intensity window.
  data::Sample sample;
  sample.name = scan.filename().string().substr(0, scan.filename().string().find('.'));
  sample.patient = sample.name;
  sample.ct.file = scan;
  const auto prepared = data::preprocess_sample(sample, run.classes.size(), run.config.preprocess, nullptr);
  const auto& grid = prepared.ct.shape;
  at::Tensor ct = torch::empty({1, 1, grid.at(0), grid.at(1), grid.at(2)}, torch::kFloat32);
  data::IntensityWindow(prepared.ct.dtype, run.config.preprocess.hu_min, run.config.preprocess.hu_max).convert(prepared.ct, ct.data_ptr<float>());
  ct = ct.to(torch::Device(run.device));
  torch::NoGradGuard no_grad;
  const auto output = run.model->forward(ct);

  const fs::path thresholds_path = thresholds_file(evaluation_folder(run_dir, data::training_dataset(), "test"));
  nlohmann::json result{{"VolumeName", sample.name}, {"run", run_dir.string()}, {"probabilities", nullptr}, {"thresholds", nullptr}};
  if (output.cls_logits.defined()) {
    const auto p = torch::sigmoid(output.cls_logits.to(torch::kFloat64)).cpu();
    result["probabilities"] = nlohmann::json::object();
    for (std::size_t c = 0; c < run.classes.size(); ++c) result["probabilities"][run.classes[c]] = p[0][static_cast<std::int64_t>(c)].item<double>();
    if (fs::exists(thresholds_path)) result["thresholds"] = io::read_json(thresholds_path)["thresholds"];
  }
  if (output.seg_logits.defined()) {
    const auto masks = train::predicted_masks(output.seg_logits, ct.sizes().slice(2), output.cls_logits, run.config.model.model.seg_detection_gate)
                           .to(torch::kUInt8)
                           .cpu()
                           .contiguous();
    const auto info = io::read_nifti_info(scan);
    const std::array<std::int64_t, 3> grid{masks.size(2), masks.size(3), masks.size(4)};
    const io::Volume volume =
        data::class_masks_to_grid(masks.data_ptr<std::uint8_t>(), run.classes.size(), grid, prepared.geometry, info.dims, info.geometry);
    io::write_nifti(out / "masks.nii.gz", volume);
    result["masks"] = (out / "masks.nii.gz").string();
    result["classes"] = run.classes;
  }
  if (run.model->has_task(core::Task::rep)) {
    // The report states the findings at the thresholds the run's test evaluation chose, as there.
    std::vector<double> finding_thresholds;
    if (result["thresholds"].is_object())
      for (const auto& c : run.classes) {
        if (!result["thresholds"].contains(c) || !result["thresholds"][c].is_number())
          throw Error("the run's thresholds lack a class").file(thresholds_path.string()).key("thresholds." + c).expected("a number");
        finding_thresholds.push_back(result["thresholds"][c].get<double>());
      }
    const auto ids = run.model->generate(ct, run.config.model.decode, finding_thresholds);
    const std::string report = run.tokenizer->decode(ids[0]);
    core::write_file_atomic(out / "report.txt", report + "\n");
    result["report"] = report;
  }
  io::write_json(out / "probabilities.json", result);
  return result;
}

}  // namespace unict::experiments

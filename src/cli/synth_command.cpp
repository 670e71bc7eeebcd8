// `unict synth`: writes the synthetic CT-RATE / ReXGroundingCT / RAD-ChestCT data set.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "unict/core/error.h"
#include "unict/data/synthetic.h"
#include "unict/io/csv.h"

namespace unict::cli {
namespace {

struct SynthOptions {
  std::string out;
  std::string profile = "realistic";
  std::string size;     // empty: the profile's default
  std::string spacing;  // grid profile only; empty: its default
  std::int64_t max_scans = 0;  // 0: the profile's default
  data::SyntheticOptions generator;
  bool force = false;
};

// "64x96x96" or "64,96,96" (z, y, x).
std::array<double, 3> parse_triple(const std::string& text, const std::string& option, const std::string& example) {
  std::string normalised = text;
  for (char& c : normalised)
    if (c == 'x' || c == 'X') c = ',';
  const auto values = io::parse_number_list("[" + normalised + "]", option);
  if (values.size() != 3) throw Error("invalid " + option).value(text).expected("three values z x y x x, e.g. " + example);
  return {values[0], values[1], values[2]};
}

std::array<std::int64_t, 3> parse_size(const std::string& text) {
  const auto values = parse_triple(text, "--size", "64x96x96");
  std::array<std::int64_t, 3> size{};
  for (std::size_t a = 0; a < 3; ++a) {
    if (values[a] != static_cast<double>(static_cast<std::int64_t>(values[a]))) throw Error("invalid --size").value(text).expected("whole numbers");
    size[a] = static_cast<std::int64_t>(values[a]);
  }
  return size;
}

std::array<double, 3> parse_spacing(const std::string& text) {
  const auto values = parse_triple(text, "--spacing", "9x7.5x7.5");
  for (double v : values)
    if (!(v > 0 && v <= 50)) throw Error("invalid --spacing").value(text).expected("spacings in mm above 0 and at most 50");
  return values;
}

void synth(SynthOptions& options) {
  const bool grid = options.profile == "grid";
  options.generator.profile = grid ? data::SyntheticProfile::grid : data::SyntheticProfile::realistic;
  if (!grid && !options.spacing.empty())
    throw Error("--spacing applies to --profile grid only (the realistic profile varies the spacing per scan)").value(options.spacing);
  // The grid profile's defaults are the quick start's training grid (configs/quickstart.yaml).
  options.generator.size_zyx = parse_size(options.size.empty() ? (grid ? "32x48x48" : "64x96x96") : options.size);
  if (grid) options.generator.grid_spacing_zyx = parse_spacing(options.spacing.empty() ? "9x7.5x7.5" : options.spacing);
  options.generator.max_scans = options.max_scans > 0 ? options.max_scans : grid ? 1 : 3;
  const auto summary = data::write_synthetic_dataset(options.out, options.generator, options.force);
  std::cout << "synthetic data set written to " << options.out << "\n"
            << "  CT-RATE:        " << summary.ctrate_volumes << " volumes   " << options.out << "/ctrate\n"
            << "  ReXGroundingCT: " << summary.rexgrounding_entries << " entries   " << options.out << "/rexgroundingct\n"
            << "  RAD-ChestCT:    " << summary.radchestct_volumes << " volumes   " << options.out << "/radchestct"
            << "  (spacing " << summary.radchestct_spacing << " mm: set data.radchestct_spacing to it)\n";
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto options = std::make_shared<SynthOptions>();
  CLI::App* cmd = app.add_subcommand("synth", "Write a synthetic data set in the CT-RATE, ReXGroundingCT and RAD-ChestCT formats");
  cmd->add_option("--out,-o", options->out, "Folder to create (must not exist)")->required();
  cmd->add_option("--patients", options->generator.patients, "Number of patients (each with 1 to --max-scans scans)")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", options->generator.seed, "Random seed: the same seed gives the same data")->capture_default_str();
  cmd->add_option("--profile", options->profile,
                  "realistic: scanner variety, resampled by prepare (the hard benchmark); grid: drawn natively on the training "
                  "grid, one surviving signature per class (docs/data.md)")
      ->capture_default_str()->check(CLI::IsMember({"realistic", "grid"}));
  cmd->add_option("--size", options->size,
                  "CT size in voxels, z x y x x (realistic: nominal, default 64x96x96, each scan varies by about 10 %; grid: the "
                  "training grid's preprocess.size, default 32x48x48)");
  cmd->add_option("--spacing", options->spacing, "--profile grid: the training grid's preprocess.spacing in mm, z x y x x (default 9x7.5x7.5)");
  cmd->add_option("--max-scans", options->max_scans, "Most scans per patient (default: realistic 3, grid 1)")->check(CLI::Range(1, 10));
  cmd->add_option("--radchestct", options->generator.radchestct_volumes, "Number of RAD-ChestCT volumes")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--lesion-probability", options->generator.lesion_probability, "Chance of each abnormality per patient")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--v1", options->generator.ctrate_v1, "Also write CT-RATE's v1 tree (raw stored values, scaling in the metadata CSV)");
  cmd->add_option("--lesion-scale", options->generator.lesion_scale, "Lesion sizes times this (larger lesions for coarse quick-start grids)")
      ->capture_default_str()->check(CLI::Range(0.25, 5.0));
  cmd->add_option("--threads", options->generator.threads, "Worker threads (0: one per hardware thread)")->capture_default_str();
  cmd->add_flag("--force", options->force, "Replace an existing synthetic data set at --out");
  cmd->callback([options] { synth(*options); });
}

}  // namespace unict::cli

// One synthetic chest CT of the grid profile (`unict synth --profile grid`): drawn natively on a
// training grid, so that preprocessing does not erase what it shows, with one lesion signature
// per class that survives at that grid. Where the realistic profile (synthetic_case.h) imitates a
// scanner and stays the hard benchmark, this profile is made to be learnable from few updates and
// still honest:
//   - a voxel has one owner: a lesion only claims unclaimed lung parenchyma, and its mask is
//     exactly the voxels it claimed, all set to its class's attenuation band;
//   - a lesion whose size at the grid falls outside its class's range is placed again, and one
//     that never fits is not painted, so the label always says what the image shows;
//   - classes share three attenuation bands (dense, hazy, lucent) and differ by shape and zone,
//     as in real CT, so that a classifier which ignores where voxels are cannot solve it.
// Sizes are in voxels of the design grid (the training grid). A case may be drawn on another
// grid of the same field of view (the synthetic RAD-ChestCT's isotropic one): shapes keep their
// physical size, and sizes are counted in design voxels.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "unict/data/synthetic_case.h"

namespace unict::data {

// The attenuation bands of the grid profile, in HU (lesions; noise is added on top).
struct GridBands {
  static constexpr double dense = 30, hazy = -450, lucent = -990, lung = -850, noise_sigma = 20;
};

// What the grid profile promises about one class, for the generator and for its tests.
struct GridSignature {
  std::string code;
  double band_hu;                 // GridBands::dense, hazy or lucent
  double min_voxels, max_voxels;  // design-grid voxels of one positive volume's mask
  std::string shape;              // in words, for docs and the report's extent
};

// The ten signatures, in synthetic_lesion_codes() order.
const std::vector<GridSignature>& grid_signatures();
const GridSignature& grid_signature(const std::string& code);

struct GridCaseSpec {
  std::array<std::int64_t, 3> design_size_zyx{32, 48, 48};     // the training grid
  std::array<double, 3> design_spacing_zyx{9.0, 7.5, 7.5};
  std::array<std::int64_t, 3> size_zyx{32, 48, 48};            // the grid drawn on (same field of view)
  std::array<double, 3> spacing_zyx{9.0, 7.5, 7.5};
  std::vector<std::string> lesion_codes;  // which kinds to try to paint
  std::uint64_t seed = 0;
};

// Findings carry `extent` ("small", "moderate", "extensive": the third of the class's size range)
// and are listed in synthetic_lesion_codes() order; kinds that could not be placed are absent.
SyntheticCase make_grid_case(const GridCaseSpec& spec);

}  // namespace unict::data

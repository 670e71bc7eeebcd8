// One synthetic chest CT: anatomy (body, fat, lungs, airways, vessels, heart, aorta, spine) and
// lesions of the ten UniCT abnormality kinds, painted with plausible attenuation so that the
// lesion's appearance, and nothing else, carries its label. Each lesion kind present becomes one
// finding with an instance mask (0 background, 1..n one id per connected lesion), as in
// ReXGroundingCT.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "unict/core/seed.h"

namespace unict::data {

// The ReXGroundingCT category codes of the ten lesion kinds the generator paints.
const std::vector<std::string>& synthetic_lesion_codes();

struct CaseSpec {
  std::array<std::int64_t, 3> size_zyx{64, 96, 96};
  std::array<double, 3> spacing_zyx{5.0, 3.75, 3.75};
  std::vector<std::string> lesion_codes;  // which kinds to paint (subset of synthetic_lesion_codes())
  bool circular_padding = false;          // -8192 (or -2048) outside a circular field of view
  std::uint64_t seed = 0;                 // everything random about the case derives from it
  double lesion_scale = 1.0;              // every lesion dimension (mm) times this
};

struct SyntheticFinding {
  std::string code;                     // "2d"
  std::vector<std::string> locations;   // lobes: "right upper lobe", ...
  double size_mm = 0;                   // largest lesion diameter
  int instances = 0;
  std::vector<std::uint8_t> mask;       // instance ids, (z, y, x) like the CT
  std::int64_t voxels = 0;              // non-zero mask voxels
  std::string extent;                   // grid profile: "small", "moderate" or "extensive"; else empty
};

struct SyntheticCase {
  std::array<std::int64_t, 3> size_zyx{};
  std::array<double, 3> spacing_zyx{};
  std::array<double, 3> origin_xyz{};  // LPS position of voxel 0; direction is the identity
  std::vector<std::int16_t> hu;        // (z, y, x), HU
  std::vector<SyntheticFinding> findings;
};

SyntheticCase make_synthetic_case(const CaseSpec& spec);

// Sets f.voxels and f.instances from f.mask: instances are counted by the ids actually present (a
// tiny one can fall between voxels). Both profiles finish their findings with it.
void count_mask_voxels(SyntheticFinding& f);

}  // namespace unict::data

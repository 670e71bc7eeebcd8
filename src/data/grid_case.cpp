#include "unict/data/grid_case.h"

#include <algorithm>
#include <cmath>

#include "unict/core/error.h"
#include "unict/core/seed.h"

namespace unict::data {

const std::vector<GridSignature>& grid_signatures() {
  using B = GridBands;
  // Ranges are what the shapes below produce at the design grid, with margin; a placement outside
  // its range is drawn again. Bands: six dense classes, two hazy, two lucent.
  static const std::vector<GridSignature> signatures = {
      {"1a", B::dense, 30, 400, "a sleeve around the lobar bronchi, perihilar"},
      {"1b", B::lucent, 40, 360, "dilated tubes from a lower lobar bronchus to the lower-zone periphery"},
      {"1c", B::lucent, 40, 360, "two to four lucent blobs in the upper zone"},
      {"1d", B::hazy, 30, 280, "a lattice of hazy lines in the lateral basal periphery"},
      {"1e", B::dense, 72, 200, "five to eight scattered 2 x 3 x 3 dots over the upper and middle zones"},
      {"2a", B::dense, 30, 220, "a band two slices thick in the anterior lung"},
      {"2b", B::dense, 50, 260, "a large ellipsoid in the middle zone"},
      {"2c", B::hazy, 30, 180, "a hazy ball"},
      {"2d", B::dense, 45, 170, "one round nodule in the upper zone"},
      {"2e", B::dense, 50, 320, "a crescent along the posterior basal pleura"},
  };
  return signatures;
}

const GridSignature& grid_signature(const std::string& code) {
  for (const auto& s : grid_signatures())
    if (s.code == code) return s;
  throw internal_error("no grid signature for lesion code").value(code);
}

namespace {

using Point = std::array<double, 3>;  // design-grid voxel coordinates (z, y, x), continuous

double sq(double v) { return v * v; }
double distance(const Point& a, const Point& b) { return std::sqrt(sq(a[0] - b[0]) + sq(a[1] - b[1]) + sq(a[2] - b[2])); }
double distance_to_segment(const Point& p, const Point& a, const Point& b) {
  double len2 = 0, t = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    len2 += sq(b[i] - a[i]);
    t += (p[i] - a[i]) * (b[i] - a[i]);
  }
  t = len2 > 0 ? std::clamp(t / len2, 0.0, 1.0) : 0.0;
  Point q{};
  for (std::size_t i = 0; i < 3; ++i) q[i] = a[i] + t * (b[i] - a[i]);
  return distance(p, q);
}

enum class Tissue : std::uint8_t { outside, soft, fat, lung, airway, vessel, bone };

// A lung in normalised coordinates: n = (u - centre_of_grid) / (half the grid), per axis.
struct Lung {
  Point centre, radii;  // normalised
};

class GridPainter {
 public:
  explicit GridPainter(const GridCaseSpec& spec) : spec_(spec), rng_(spec.seed) {
    const std::size_t n = static_cast<std::size_t>(spec.size_zyx[0] * spec.size_zyx[1] * spec.size_zyx[2]);
    hu_.assign(n, -1000.0);
    tissue_.assign(n, Tissue::outside);
    owner_.assign(n, 0);
    double design = 1, drawn = 1;
    for (std::size_t a = 0; a < 3; ++a) {
      ratio_[a] = spec.spacing_zyx[a] / spec.design_spacing_zyx[a];
      design *= spec.design_spacing_zyx[a];
      drawn *= spec.spacing_zyx[a];
    }
    design_voxels_per_voxel_ = drawn / design;
  }

  SyntheticCase run() {
    paint_anatomy();
    for (const auto& code : synthetic_lesion_codes())
      if (std::find(spec_.lesion_codes.begin(), spec_.lesion_codes.end(), code) != spec_.lesion_codes.end()) paint_lesion(code);
    return finish();
  }

 private:
  // ---- coordinates ----------------------------------------------------------------------------

  // The design-grid position of voxel (k, j, i) of the drawn grid: both grids share their centre.
  Point design_of(std::int64_t k, std::int64_t j, std::int64_t i) const {
    const std::int64_t idx[3] = {k, j, i};
    Point u{};
    for (std::size_t a = 0; a < 3; ++a)
      u[a] = (static_cast<double>(idx[a]) - static_cast<double>(spec_.size_zyx[a] - 1) / 2) * ratio_[a] +
             static_cast<double>(spec_.design_size_zyx[a] - 1) / 2;
    return u;
  }
  Point normalised(const Point& u) const {
    Point n{};
    for (std::size_t a = 0; a < 3; ++a)
      n[a] = (u[a] - static_cast<double>(spec_.design_size_zyx[a] - 1) / 2) / (static_cast<double>(spec_.design_size_zyx[a]) / 2);
    return n;
  }
  Point from_normalised(const Point& n) const {
    Point u{};
    for (std::size_t a = 0; a < 3; ++a)
      u[a] = n[a] * static_cast<double>(spec_.design_size_zyx[a]) / 2 + static_cast<double>(spec_.design_size_zyx[a] - 1) / 2;
    return u;
  }
  // The drawn voxel nearest a design position, or -1 outside.
  std::int64_t index_at(const Point& u) const {
    std::int64_t idx[3];
    for (std::size_t a = 0; a < 3; ++a) {
      const double f = (u[a] - static_cast<double>(spec_.design_size_zyx[a] - 1) / 2) / ratio_[a] + static_cast<double>(spec_.size_zyx[a] - 1) / 2;
      idx[a] = std::llround(f);
      if (idx[a] < 0 || idx[a] >= spec_.size_zyx[a]) return -1;
    }
    return (idx[0] * spec_.size_zyx[1] + idx[1]) * spec_.size_zyx[2] + idx[2];
  }
  // Lung-relative coordinates: inside the lung when |q| <= 1; q[2] is signed outward (lateral).
  Point lung_relative(int side, const Point& u) const {
    const Point n = normalised(u);
    const Lung& l = lungs_[side];
    Point q{};
    for (std::size_t a = 0; a < 3; ++a) q[a] = (n[a] - l.centre[a]) / l.radii[a];
    if (side == 0) q[2] = -q[2];  // the right lung lies at negative x (LPS): outward is -x
    return q;
  }
  static double norm(const Point& q) { return std::sqrt(sq(q[0]) + sq(q[1]) + sq(q[2])); }

  // Calls visit(index, u) for every drawn voxel whose design position lies in [lo, hi].
  template <class Visit>
  void for_each_in(const Point& lo, const Point& hi, Visit&& visit) const {
    std::int64_t first[3], last[3];
    for (std::size_t a = 0; a < 3; ++a) {
      const double c_design = static_cast<double>(spec_.design_size_zyx[a] - 1) / 2, c_drawn = static_cast<double>(spec_.size_zyx[a] - 1) / 2;
      first[a] = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::ceil((lo[a] - c_design) / ratio_[a] + c_drawn)));
      last[a] = std::min<std::int64_t>(spec_.size_zyx[a] - 1, static_cast<std::int64_t>(std::floor((hi[a] - c_design) / ratio_[a] + c_drawn)));
    }
    for (std::int64_t k = first[0]; k <= last[0]; ++k)
      for (std::int64_t j = first[1]; j <= last[1]; ++j)
        for (std::int64_t i = first[2]; i <= last[2]; ++i)
          visit((k * spec_.size_zyx[1] + j) * spec_.size_zyx[2] + i, design_of(k, j, i));
  }
  template <class Visit>
  void for_each_voxel(Visit&& visit) const {
    const Point lo{-1, -1, -1};
    const Point hi{static_cast<double>(spec_.design_size_zyx[0]), static_cast<double>(spec_.design_size_zyx[1]),
                   static_cast<double>(spec_.design_size_zyx[2])};
    for_each_in(lo, hi, visit);
  }

  // ---- anatomy --------------------------------------------------------------------------------

  void paint_anatomy() {
    const double s = rng_.uniform(0.93, 1.05);  // patient size
    const double dy = rng_.uniform(-0.03, 0.03);
    lungs_[0] = {{0.03, 0.04 + dy, -0.45 * s}, {0.9, 0.56 * s, 0.33 * s}};
    lungs_[1] = {{0.03, 0.04 + dy, 0.44 * s}, {0.9, 0.56 * s, 0.31 * s}};
    for_each_voxel([&](std::int64_t v, const Point& u) {
      const Point n = normalised(u);
      const auto at = static_cast<std::size_t>(v);
      const double body = sq(n[2] / (0.9 * s)) + sq((n[1] - dy) / (0.68 * s));
      if (body > 1) return;
      const bool inner = sq(n[2] / (0.82 * s)) + sq((n[1] - dy) / (0.6 * s)) <= 1;
      set(at, inner ? Tissue::soft : Tissue::fat, inner ? 40 : -95);
      for (int side = 0; side < 2; ++side)
        if (norm(lung_relative(side, u)) <= 1) set(at, Tissue::lung, GridBands::lung);
      if (sq((n[2] - 0.06) / 0.26) + sq((n[1] + 0.28 - dy) / 0.24) + sq((n[0] + 0.45) / 0.45) <= 1) set(at, Tissue::soft, 40);  // heart
      if (sq(n[2] / 0.11) + sq((n[1] - 0.48 - dy) / 0.1) <= 1) set(at, Tissue::bone, 500);                                   // spine
    });
    // Airways: trachea, main bronchi, an upper and a lower lobar bronchus per lung. Vessels:
    // single-voxel dense lines from the hilum, a patient-specific confound for the dense band.
    const Point carina = from_normalised({0.3, -0.08 + dy, 0});
    airway(from_normalised({1.2, -0.1 + dy, 0}), carina);
    for (int side = 0; side < 2; ++side) {
      const double sign = side == 0 ? -1 : 1;
      hilum_[side] = from_normalised({0.12, 0.0 + dy, sign * 0.24 * s});
      lobar_[side][0] = from_normalised({0.62, -0.12 + dy, sign * 0.43 * s});
      lobar_[side][1] = from_normalised({-0.55, 0.14 + dy, sign * 0.46 * s});
      airway(carina, hilum_[side]);
      for (const auto& end : lobar_[side]) airway(hilum_[side], end);
      for (int v = 0; v < 5; ++v) {
        const Point target = random_lung_point(side, [](const Point&) { return true; });
        tube(hilum_[side], target, 0.55, [&](std::size_t at) {
          if (tissue_[at] == Tissue::lung) set(at, Tissue::vessel, 40);
        });
      }
    }
  }

  void airway(const Point& a, const Point& b) {
    tube(a, b, 0.8, [&](std::size_t at) {
      if (tissue_[at] != Tissue::outside && tissue_[at] != Tissue::fat) set(at, Tissue::airway, -1000);
    });
  }

  template <class Visit>
  void tube(const Point& a, const Point& b, double radius, Visit&& visit) {
    Point lo{}, hi{};
    for (std::size_t i = 0; i < 3; ++i) {
      lo[i] = std::min(a[i], b[i]) - radius;
      hi[i] = std::max(a[i], b[i]) + radius;
    }
    for_each_in(lo, hi, [&](std::int64_t v, const Point& u) {
      if (distance_to_segment(u, a, b) <= radius) visit(static_cast<std::size_t>(v));
    });
  }

  void set(std::size_t at, Tissue t, double hu) {
    tissue_[at] = t;
    hu_[at] = hu;
  }

  // A design position of lung parenchyma on `side` for which zone(q) holds (q: lung-relative).
  template <class Zone>
  Point random_lung_point(int side, Zone&& zone) {
    const Lung& l = lungs_[side];
    for (int attempt = 0; attempt < 4000; ++attempt) {
      Point n{};
      for (std::size_t a = 0; a < 3; ++a) n[a] = l.centre[a] + rng_.uniform(-1, 1) * l.radii[a];
      const Point u = from_normalised(n);
      const Point q = lung_relative(side, u);
      if (norm(q) > 1 || !zone(q)) continue;
      const std::int64_t v = index_at(u);
      if (v >= 0 && tissue_[static_cast<std::size_t>(v)] == Tissue::lung) return u;
    }
    return from_normalised(l.centre);
  }

  // ---- lesions --------------------------------------------------------------------------------

  // A placement under construction: the voxels it would claim, with instance ids.
  struct Claim {
    std::vector<std::pair<std::size_t, std::uint8_t>> voxels;
    std::vector<std::string> locations;
  };

  // Adds voxel v to the claim if it is free lung parenchyma (no other lesion, no airway, vessel
  // or organ): the one-owner rule.
  void offer(Claim& c, std::int64_t v, std::uint8_t id) const {
    const auto at = static_cast<std::size_t>(v);
    if (tissue_[at] != Tissue::lung || owner_[at] != 0) return;
    for (const auto& [w, _] : c.voxels)
      if (w == at) return;
    c.voxels.push_back({at, id});
  }
  template <class Inside>
  void offer_region(Claim& c, const Point& lo, const Point& hi, std::uint8_t id, Inside&& inside) const {
    for_each_in(lo, hi, [&](std::int64_t v, const Point& u) {
      if (inside(u)) offer(c, v, id);
    });
  }
  static Point minus(const Point& p, double r) { return {p[0] - r, p[1] - r, p[2] - r}; }
  static Point plus(const Point& p, double r) { return {p[0] + r, p[1] + r, p[2] + r}; }

  void note(Claim& c, int side, const Point& u) const {
    const Point q = lung_relative(side, u);
    const int zone = q[0] > 0.33 ? 0 : q[0] < -0.33 ? 2 : 1;
    static const char* right[] = {"right upper lobe", "right middle lobe", "right lower lobe"};
    static const char* left[] = {"left upper lobe", "lingula", "left lower lobe"};
    const std::string lobe = side == 0 ? right[zone] : left[zone];
    if (std::find(c.locations.begin(), c.locations.end(), lobe) == c.locations.end()) c.locations.push_back(lobe);
  }

  Claim draw(const std::string& code) {
    Claim c;
    const int side = static_cast<int>(rng_.below(2));
    if (code == "2b") {  // consolidation: a large ellipsoid in the middle zone
      const Point p = random_lung_point(side, [](const Point& q) { return std::fabs(q[0]) < 0.3 && std::fabs(q[1]) < 0.45; });
      const Point r{rng_.uniform(2.0, 2.8), rng_.uniform(3.0, 4.0), rng_.uniform(2.5, 3.2)};
      offer_region(c, minus(p, 4.5), plus(p, 4.5), 1, [&](const Point& u) { return sq((u[0] - p[0]) / r[0]) + sq((u[1] - p[1]) / r[1]) + sq((u[2] - p[2]) / r[2]) <= 1; });
      note(c, side, p);
    } else if (code == "2e") {  // effusion: a crescent along the posterior basal pleura
      const double shell = rng_.uniform(0.85, 0.92);
      const Point lo = from_normalised({-1, -1, -1}), hi = from_normalised({1, 1, 1});
      offer_region(c, lo, hi, 1, [&](const Point& u) {
        const Point q = lung_relative(side, u);
        return norm(q) <= 1 && norm(q) > shell && q[0] < -0.35 && q[1] > 0.35;
      });
      c.locations.push_back(side == 0 ? "right pleural space" : "left pleural space");
    } else if (code == "2d") {  // nodule: one round solid sphere in the upper zone
      const Point p = random_lung_point(side, [](const Point& q) { return q[0] > 0.3 && norm(q) < 0.75; });
      const double r = rng_.uniform(2.5, 3.1);
      offer_region(c, minus(p, r), plus(p, r), 1, [&](const Point& u) { return distance(u, p) <= r; });
      note(c, side, p);
    } else if (code == "2a") {  // linear opacity: a band two slices thick, anterior
      const Point p = random_lung_point(side, [](const Point& q) { return q[1] < -0.15 && q[0] > -0.5 && q[0] < 0.3; });
      const double length = rng_.uniform(8, 12), theta = rng_.uniform(0, 6.283185307);
      const double z0 = std::floor(p[0]);
      const Point a{z0 + 0.5, p[1], p[2]}, b{z0 + 0.5, p[1] + length * std::sin(theta), p[2] + length * std::cos(theta)};
      offer_region(c, {z0 - 0.5, std::min(a[1], b[1]) - 2, std::min(a[2], b[2]) - 2}, {z0 + 1.5, std::max(a[1], b[1]) + 2, std::max(a[2], b[2]) + 2}, 1,
                   [&](const Point& u) {
                     const Point flat{a[0], u[1], u[2]};
                     return std::fabs(u[0] - a[0]) <= 1.0 && distance_to_segment(flat, a, b) <= 1.8;
                   });
      note(c, side, p);
    } else if (code == "1a") {  // bronchial wall thickening: a sleeve around lobar bronchi
      std::uint8_t id = 0;
      for (int lung = 0; lung < 2; ++lung) {
        if (lung != side && rng_.bernoulli(0.5)) continue;
        for (const auto& end : lobar_[lung]) {
          const double wall = rng_.uniform(1.6, 2.0);
          ++id;
          tube_claim(c, hilum_[lung], end, wall, id, 0.8);
          note(c, lung, end);
        }
      }
    } else if (code == "1e") {  // micronodules: scattered 2 x 3 x 3 dots, upper and middle zones
      const int count = 5 + static_cast<int>(rng_.below(4));
      std::uint8_t id = 0;
      for (int d = 0; d < count; ++d) {
        const Point p = random_lung_point(side, [](const Point& q) { return q[0] > -0.3 && norm(q) < 0.9; });
        const Point base{std::round(p[0]), std::floor(p[1]), std::floor(p[2])};
        Claim dot;
        for (int dz = 0; dz < 2; ++dz)
          for (int dy = 0; dy < 3; ++dy)
            for (int dx = 0; dx < 3; ++dx) {
              const std::int64_t v = index_at({base[0] + dz, base[1] + dy, base[2] + dx});
              if (v >= 0) offer(dot, v, static_cast<std::uint8_t>(id + 1));
            }
        if (dot.voxels.size() < 18 || touches(c, dot)) continue;  // whole, separate dots only
        ++id;
        c.voxels.insert(c.voxels.end(), dot.voxels.begin(), dot.voxels.end());
        note(c, side, p);
      }
    } else if (code == "2c") {  // ground glass: a hazy ball
      const Point p = random_lung_point(side, [](const Point& q) { return q[0] > -0.4 && q[0] < 0.6 && norm(q) < 0.75; });
      const double r = rng_.uniform(2.3, 3.0);
      offer_region(c, minus(p, r), plus(p, r), 1, [&](const Point& u) { return distance(u, p) <= r; });
      note(c, side, p);
    } else if (code == "1d") {  // septal thickening: a lattice of hazy lines, lateral and basal
      const double shell = rng_.uniform(0.86, 0.92);
      const Point lo = from_normalised({-1, -1, -1}), hi = from_normalised({1, 1, 1});
      offer_region(c, lo, hi, 1, [&](const Point& u) {
        const Point q = lung_relative(side, u);
        if (norm(q) > 1 || norm(q) <= shell || q[0] > -0.05 || q[2] < 0.3) return false;
        return static_cast<std::int64_t>(std::llround(u[1])) % 3 == 0 || static_cast<std::int64_t>(std::llround(u[0])) % 3 == 0;
      });
      note(c, side, from_normalised({lungs_[side].centre[0] - 0.5 * lungs_[side].radii[0], lungs_[side].centre[1], lungs_[side].centre[2]}));
    } else if (code == "1c") {  // emphysema: lucent blobs in the upper zone
      const int count = 2 + static_cast<int>(rng_.below(3));
      for (int b = 0; b < count; ++b) {
        const Point p = random_lung_point(side, [](const Point& q) { return q[0] > 0.35; });
        const double r = rng_.uniform(2.0, 2.6);
        offer_region(c, minus(p, r), plus(p, r), static_cast<std::uint8_t>(b + 1), [&](const Point& u) { return distance(u, p) <= r; });
        note(c, side, p);
      }
    } else if (code == "1b") {  // bronchiectasis: dilated lucent tubes into the lower-zone periphery
      const int count = 1 + static_cast<int>(rng_.below(2));
      for (int t = 0; t < count; ++t) {
        const Point to = random_lung_point(side, [](const Point& q) { return q[0] < -0.2 && q[2] > 0.4 && norm(q) < 0.9; });
        tube_claim(c, lobar_[side][1], to, rng_.uniform(1.5, 1.9), static_cast<std::uint8_t>(t + 1), 0);
        note(c, side, to);
      }
    } else {
      throw internal_error("no grid painter for lesion code").value(code);
    }
    return c;
  }

  // Claims the voxels within `radius` of segment a-b and farther than `inner` from it.
  void tube_claim(Claim& c, const Point& a, const Point& b, double radius, std::uint8_t id, double inner) {
    Point lo{}, hi{};
    for (std::size_t i = 0; i < 3; ++i) {
      lo[i] = std::min(a[i], b[i]) - radius;
      hi[i] = std::max(a[i], b[i]) + radius;
    }
    offer_region(c, lo, hi, id, [&](const Point& u) {
      const double d = distance_to_segment(u, a, b);
      return d <= radius && d > inner;
    });
  }

  // Whether a new dot lies next to a voxel already in the claim (26-neighbourhood).
  bool touches(const Claim& c, const Claim& dot) const {
    const auto nx = spec_.size_zyx[2], ny = spec_.size_zyx[1];
    for (const auto& [v, _] : dot.voxels)
      for (const auto& [w, __] : c.voxels) {
        const auto a = static_cast<std::int64_t>(v), b = static_cast<std::int64_t>(w);
        if (std::llabs(a % nx - b % nx) <= 1 && std::llabs((a / nx) % ny - (b / nx) % ny) <= 1 && std::llabs(a / (nx * ny) - b / (nx * ny)) <= 1)
          return true;
      }
    return false;
  }

  void paint_lesion(const std::string& code) {
    const GridSignature& sig = grid_signature(code);
    for (int attempt = 0; attempt < 40; ++attempt) {
      Claim c = draw(code);
      const double size = static_cast<double>(c.voxels.size()) * design_voxels_per_voxel_;
      if (size < sig.min_voxels || size > sig.max_voxels) continue;
      SyntheticFinding f;
      f.code = code;
      f.locations = c.locations;
      f.mask.assign(hu_.size(), 0);
      for (const auto& [at, id] : c.voxels) {
        owner_[at] = static_cast<std::uint8_t>(findings_.size() + 1);
        hu_[at] = sig.band_hu;
        f.mask[at] = id;
      }
      const double third = (sig.max_voxels - sig.min_voxels) / 3;
      f.extent = size < sig.min_voxels + third ? "small" : size < sig.min_voxels + 2 * third ? "moderate" : "extensive";
      findings_.push_back(std::move(f));
      return;
    }
    // Never fitted (a crowded lung): not painted, so not labelled.
  }

  SyntheticCase finish() {
    SyntheticCase out;
    out.size_zyx = spec_.size_zyx;
    out.spacing_zyx = spec_.spacing_zyx;
    // LPS position of voxel 0: the grid centred on x = y = 0, at a realistic height.
    out.origin_xyz = {-static_cast<double>(spec_.size_zyx[2] - 1) * spec_.spacing_zyx[2] / 2,
                      -static_cast<double>(spec_.size_zyx[1] - 1) * spec_.spacing_zyx[1] / 2,
                      -200.0 - static_cast<double>(spec_.size_zyx[0]) * spec_.spacing_zyx[0]};
    out.hu.resize(hu_.size());
    for (std::size_t i = 0; i < hu_.size(); ++i) {
      const double noise = tissue_[i] == Tissue::outside ? 0.0 : GridBands::noise_sigma * rng_.normal();
      out.hu[i] = static_cast<std::int16_t>(std::lround(std::clamp(hu_[i] + noise, -1024.0, 3071.0)));
    }
    for (auto& f : findings_) count_mask_voxels(f);
    out.findings = std::move(findings_);
    return out;
  }

  const GridCaseSpec& spec_;
  core::Rng rng_;
  std::array<double, 3> ratio_{};  // drawn spacing / design spacing, per axis
  double design_voxels_per_voxel_ = 1;
  std::vector<double> hu_;
  std::vector<Tissue> tissue_;
  std::vector<std::uint8_t> owner_;  // 0 free, else 1 + the finding that claimed the voxel
  Lung lungs_[2]{};
  Point hilum_[2]{}, lobar_[2][2]{};
  std::vector<SyntheticFinding> findings_;
};

}  // namespace

SyntheticCase make_grid_case(const GridCaseSpec& spec) {
  for (const auto& code : spec.lesion_codes) grid_signature(code);  // throws on an unknown code
  return GridPainter(spec).run();
}

}  // namespace unict::data

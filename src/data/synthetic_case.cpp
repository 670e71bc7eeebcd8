#include "unict/data/synthetic_case.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "unict/core/error.h"
#include "unict/data/phantom.h"

namespace unict::data {

const std::vector<std::string>& synthetic_lesion_codes() {
  static const std::vector<std::string> codes = {"1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"};
  return codes;
}

namespace {

struct Airway {
  Vec3 a, b;
  double radius;
};

// The patient: where the organs of this case lie.
struct Anatomy {
  Vec3 centre;      // body centre
  double scale;     // patient size
  double half_z;    // half the scanned z extent
  Vec3 lung_centre[2], lung_radii[2];  // 0: right (x < 0 in LPS), 1: left
  std::vector<Airway> airways;
  Vec3 lobar_end[2][3];  // per lung: upper, middle, lower lobar bronchus ends
};

class CasePainter {
 public:
  CasePainter(const CaseSpec& spec)
      : spec_(spec), rng_(spec.seed),
        phantom_(spec.size_zyx, spec.spacing_zyx, origin_for(spec)) {}

  SyntheticCase run() {
    paint_anatomy();
    for (const auto& code : spec_.lesion_codes) paint_lesion(code);
    add_noise();
    return finish();
  }

 private:
  static Vec3 origin_for(const CaseSpec& spec) {
    // Centre the grid on the patient, as a scanner's reconstruction does, at a realistic height.
    const double fov_x = static_cast<double>(spec.size_zyx[2]) * spec.spacing_zyx[2];
    const double fov_y = static_cast<double>(spec.size_zyx[1]) * spec.spacing_zyx[1];
    return {-fov_x / 2, -fov_y / 2, -200.0 - static_cast<double>(spec.size_zyx[0]) * spec.spacing_zyx[0]};
  }

  Vec3 grid_centre() const {
    const auto& o = phantom_.origin();
    return {o[0] + static_cast<double>(spec_.size_zyx[2] - 1) * spec_.spacing_zyx[2] / 2,
            o[1] + static_cast<double>(spec_.size_zyx[1] - 1) * spec_.spacing_zyx[1] / 2,
            o[2] + static_cast<double>(spec_.size_zyx[0] - 1) * spec_.spacing_zyx[0] / 2};
  }

  template <class Inside, class Paint>
  void paint(const Vec3& lo, const Vec3& hi, Inside&& inside, Paint&& paint_voxel) {
    phantom_.for_each_in(lo, hi, inside, paint_voxel);
  }

  // ---- anatomy --------------------------------------------------------------------------------

  void paint_anatomy() {
    Anatomy& a = anatomy_;
    const Vec3 g = grid_centre();
    a.scale = rng_.uniform(0.85, 1.1);
    a.centre = {g[0] + rng_.uniform(-8, 8), g[1] + rng_.uniform(-5, 10), g[2]};
    a.half_z = static_cast<double>(spec_.size_zyx[0]) * spec_.spacing_zyx[0] / 2;
    const double s = a.scale, H = a.half_z;
    const Vec3 c = a.centre;
    auto& hu = phantom_.hu();
    auto& tissue = phantom_.tissue();

    // Body: an elliptic cylinder of soft tissue inside a ring of subcutaneous fat.
    const double bx = 150 * s, by = 105 * s, fat = 13 * s;
    paint({c[0] - bx, c[1] - by, c[2] - 2 * H}, {c[0] + bx, c[1] + by, c[2] + 2 * H},
          [&](const Vec3& p) { return sq((p[0] - c[0]) / bx) + sq((p[1] - c[1]) / by) <= 1; },
          [&](std::int64_t i, const Vec3& p) {
            const bool inner = sq((p[0] - c[0]) / (bx - fat)) + sq((p[1] - c[1]) / (by - fat)) <= 1;
            hu[i] = inner ? 40.0f : -95.0f;
            tissue[i] = inner ? Tissue::body : Tissue::fat;
          });

    // Lungs: two ellipsoids spanning most of the scan; the domes sit low.
    for (int side = 0; side < 2; ++side) {
      const double sign = side == 0 ? -1.0 : 1.0;
      a.lung_centre[side] = {c[0] + sign * (side == 0 ? 68 : 70) * s, c[1] + 8 * s, c[2] + 0.12 * H};
      a.lung_radii[side] = {(side == 0 ? 53 : 49) * s, 76 * s, 1.02 * H};
      const Vec3 lc = a.lung_centre[side], lr = a.lung_radii[side];
      paint(sub(lc, lr), add(lc, lr), [&](const Vec3& p) { return Phantom::in_ellipsoid(p, lc, lr); },
            [&](std::int64_t i, const Vec3&) {
              if (tissue[i] != Tissue::body) return;
              hu[i] = -860.0f;
              tissue[i] = Tissue::lung;
            });
    }

    // Heart (left of centre, anterior, low), aorta and spine.
    const Vec3 hc{c[0] + 25 * s, c[1] - 28 * s, c[2] - 0.38 * H}, hr{55 * s, 46 * s, 0.45 * H};
    paint(sub(hc, hr), add(hc, hr), [&](const Vec3& p) { return Phantom::in_ellipsoid(p, hc, hr); },
          [&](std::int64_t i, const Vec3&) {
            hu[i] = 42.0f;
            tissue[i] = Tissue::heart;
          });
    paint_tube({c[0] + 16 * s, c[1] + 52 * s, c[2] - 2 * H}, {c[0] + 16 * s, c[1] + 52 * s, c[2] + 2 * H}, 12 * s, 45.0f, Tissue::body);
    const Vec3 spine_lo{c[0], c[1] + 86 * s, c[2] - 2 * H}, spine_hi{c[0], c[1] + 86 * s, c[2] + 2 * H};
    const double spine_r = 17 * s;
    paint(sub(spine_lo, {spine_r, spine_r, 0}), add(spine_hi, {spine_r, spine_r, 0}),
          [&](const Vec3& p) { return Phantom::in_capsule(p, spine_lo, spine_hi, spine_r); },
          [&](std::int64_t i, const Vec3& p) {
            const double d = Phantom::distance_to_segment(p, spine_lo, spine_hi);
            hu[i] = d > spine_r - 3 ? 900.0f : 300.0f;  // cortical rim around cancellous bone
            tissue[i] = Tissue::bone;
          });

    // Airways: trachea, main bronchi, and upper / middle / lower lobar bronchi per lung.
    const Vec3 carina{c[0], c[1] - 8 * s, c[2] + 0.35 * H};
    add_airway({c[0], c[1] - 12 * s, c[2] + 2 * H}, carina, 9 * s);
    for (int side = 0; side < 2; ++side) {
      const double sign = side == 0 ? -1.0 : 1.0;
      const Vec3 hilum{c[0] + sign * 40 * s, c[1] + 2 * s, c[2] + 0.12 * H};
      add_airway(carina, hilum, 6 * s);
      a.lobar_end[side][0] = {c[0] + sign * 62 * s, c[1] - 18 * s, c[2] + 0.62 * H};
      a.lobar_end[side][1] = {c[0] + sign * 82 * s, c[1] - 5 * s, c[2] - 0.05 * H};
      a.lobar_end[side][2] = {c[0] + sign * 66 * s, c[1] + 22 * s, c[2] - 0.55 * H};
      for (const auto& end : a.lobar_end[side]) add_airway(hilum, end, 3.8 * s);
      // Pulmonary vessels: branches from the hilum to random points in the lung.
      for (int v = 0; v < 8; ++v) {
        const Vec3 target = random_point_in_lung(side, -1);
        paint_tube(hilum, target, rng_.uniform(2.0, 4.0) * s, 40.0f, Tissue::vessel, Tissue::lung);
      }
    }
    for (const auto& w : a.airways) {
      paint_tube(w.a, w.b, w.radius + 1.5, 20.0f, Tissue::body, Tissue::lung);  // airway wall
    }
    for (const auto& w : a.airways) paint_tube(w.a, w.b, w.radius, -1000.0f, Tissue::airway);
  }

  void add_airway(const Vec3& a, const Vec3& b, double radius) { anatomy_.airways.push_back({a, b, radius}); }

  // Paints a capsule; `only` limits it to voxels of one tissue (Tissue::outside: any tissue).
  // Thin tubes on a coarse grid keep at least the voxels along their axis.
  template <class Visit>
  void for_tube(const Vec3& a, const Vec3& b, double radius, Visit&& visit) {
    const Vec3 lo{std::min(a[0], b[0]) - radius, std::min(a[1], b[1]) - radius, std::min(a[2], b[2]) - radius};
    const Vec3 hi{std::max(a[0], b[0]) + radius, std::max(a[1], b[1]) + radius, std::max(a[2], b[2]) + radius};
    paint(lo, hi, [&](const Vec3& p) { return Phantom::in_capsule(p, a, b, radius); }, visit);
    const double length = std::sqrt(sq(b[0] - a[0]) + sq(b[1] - a[1]) + sq(b[2] - a[2]));
    const double step = std::min({spec_.spacing_zyx[0], spec_.spacing_zyx[1], spec_.spacing_zyx[2]}) / 2;
    for (double t = 0; t <= length; t += step) {
      const double f = length > 0 ? t / length : 0;
      const Vec3 p{a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])};
      const std::int64_t i = phantom_.index_at(p);
      if (i >= 0) visit(i, p);
    }
  }

  void paint_tube(const Vec3& a, const Vec3& b, double radius, float value, Tissue as, Tissue only = Tissue::outside) {
    auto& hu = phantom_.hu();
    auto& tissue = phantom_.tissue();
    for_tube(a, b, radius, [&](std::int64_t i, const Vec3&) {
      if (only != Tissue::outside && tissue[i] != only) return;
      if (tissue[i] == Tissue::outside || tissue[i] == Tissue::fat) return;  // stay inside the body
      hu[i] = value;
      tissue[i] = as;
    });
  }

  // A random point of lung parenchyma; zone 0 upper, 1 middle, 2 lower, -1 anywhere.
  Vec3 random_point_in_lung(int side, int zone) {
    const Vec3 lc = anatomy_.lung_centre[side], lr = anatomy_.lung_radii[side];
    const double H = anatomy_.half_z, cz = anatomy_.centre[2];
    for (int attempt = 0; attempt < 2000; ++attempt) {
      const Vec3 p{lc[0] + rng_.uniform(-1, 1) * lr[0], lc[1] + rng_.uniform(-1, 1) * lr[1], cz + rng_.uniform(-0.9, 0.9) * H};
      if (zone >= 0 && zone_of(p) != zone) continue;
      const std::int64_t i = phantom_.index_at(p);
      if (i >= 0 && phantom_.tissue()[static_cast<std::size_t>(i)] == Tissue::lung) return p;
    }
    return lc;
  }

  int zone_of(const Vec3& p) const {
    const double rel = (p[2] - anatomy_.centre[2]) / anatomy_.half_z;
    return rel > 0.28 ? 0 : rel < -0.25 ? 2 : 1;
  }

  static std::string lobe_name(int side, int zone) {
    static const char* right[] = {"right upper lobe", "right middle lobe", "right lower lobe"};
    static const char* left[] = {"left upper lobe", "lingula", "left lower lobe"};
    return side == 0 ? right[zone] : left[zone];
  }

  void add_noise() {
    auto& hu = phantom_.hu();
    const auto& tissue = phantom_.tissue();
    for (std::size_t i = 0; i < hu.size(); ++i) {
      if (tissue[i] == Tissue::outside) continue;
      const double sigma = tissue[i] == Tissue::lung ? 25.0 : 12.0;
      hu[i] += static_cast<float>(sigma * rng_.normal());
    }
  }

  // ---- lesions --------------------------------------------------------------------------------

  struct LesionCanvas {
    SyntheticFinding finding;
    std::vector<std::uint8_t> mask;
    std::uint8_t owner = 0;  // this lesion's mark in owner_
  };

  LesionCanvas canvas(const std::string& code) {
    LesionCanvas c;
    c.finding.code = code;
    c.mask.assign(phantom_.hu().size(), 0);
    c.owner = static_cast<std::uint8_t>(findings_.size() + 1);
    if (owner_.empty()) owner_.assign(phantom_.hu().size(), 0);
    return c;
  }

  // Marks voxel i as part of instance `id` and sets its attenuation, if it is lung-like and no
  // earlier lesion owns it: a voxel has one owner, so no mask covers a voxel that shows another
  // lesion (a nodule inside a consolidation would not be visible).
  void mark(LesionCanvas& c, std::int64_t i, std::uint8_t id, float value, bool lung_only = true) {
    auto& tissue = phantom_.tissue();
    const auto at = static_cast<std::size_t>(i);
    const Tissue t = tissue[at];
    if (lung_only && t != Tissue::lung && t != Tissue::vessel && t != Tissue::fluid) return;
    if (owner_[at] != 0 && owner_[at] != c.owner) return;
    owner_[at] = c.owner;
    phantom_.hu()[at] = value;
    c.mask[at] = id;
  }

  void note_location(LesionCanvas& c, const Vec3& p) {
    const int side = p[0] < anatomy_.centre[0] ? 0 : 1;
    const std::string lobe = lobe_name(side, zone_of(p));
    if (std::find(c.finding.locations.begin(), c.finding.locations.end(), lobe) == c.finding.locations.end())
      c.finding.locations.push_back(lobe);
  }

  void sphere(LesionCanvas& c, const Vec3& centre, double radius, std::uint8_t id, float value) {
    const Vec3 r{radius, radius, radius};
    paint(sub(centre, r), add(centre, r), [&](const Vec3& p) { return Phantom::in_ellipsoid(p, centre, r); },
          [&](std::int64_t i, const Vec3&) { mark(c, i, id, value); });
    const std::int64_t i = phantom_.index_at(centre);  // a lesion smaller than a voxel still shows
    if (i >= 0) mark(c, i, id, value);
  }

  // 2d, nodules / masses: solid spheres
  void paint_nodules(LesionCanvas& c, int side) {
    const double k = spec_.lesion_scale;
    const int count = 1 + static_cast<int>(rng_.below(2));
    for (int n = 0; n < count; ++n) {
      const double r = rng_.bernoulli(0.25) ? k * rng_.uniform(12, 18) : k * rng_.uniform(4, 9);
      const Vec3 p = random_point_in_lung(n == 0 ? side : static_cast<int>(rng_.below(2)), -1);
      sphere(c, p, r, static_cast<std::uint8_t>(n + 1), 35.0f);
      note_location(c, p);
      c.finding.size_mm = std::max(c.finding.size_mm, 2 * r);
    }
  }

  // 1e, micronodules: a cluster of tiny nodules in one lobe
  void paint_micronodules(LesionCanvas& c, int side) {
    const double k = spec_.lesion_scale;
    const Vec3 centre = random_point_in_lung(side, static_cast<int>(rng_.below(3)));
    const int count = 18 + static_cast<int>(rng_.below(18));
    for (int n = 0; n < count; ++n) {
      const Vec3 p{centre[0] + k * rng_.uniform(-22, 22), centre[1] + k * rng_.uniform(-22, 22), centre[2] + k * rng_.uniform(-22, 22)};
      const std::int64_t i = phantom_.index_at(p);
      if (i < 0 || phantom_.tissue()[static_cast<std::size_t>(i)] != Tissue::lung) continue;
      sphere(c, p, k * rng_.uniform(1.5, 3.0), static_cast<std::uint8_t>(std::min(n + 1, 255)), 20.0f);
    }
    note_location(c, centre);
    c.finding.size_mm = 5 * k;
  }

  // 2c, ground glass: a hazy region, vessels still visible through it
  void paint_ground_glass(LesionCanvas& c, int side) {
    const double s = anatomy_.scale, k = spec_.lesion_scale;
    const Vec3 p = random_point_in_lung(side, -1);
    const Vec3 r{k * rng_.uniform(14, 28) * s, k * rng_.uniform(14, 28) * s, k * rng_.uniform(14, 28)};
    paint(sub(p, r), add(p, r), [&](const Vec3& q) { return Phantom::in_ellipsoid(q, p, r); },
          [&](std::int64_t i, const Vec3&) {
            if (phantom_.tissue()[static_cast<std::size_t>(i)] == Tissue::lung) mark(c, i, 1, -560.0f);
          });
    note_location(c, p);
    c.finding.size_mm = 2 * std::max({r[0], r[1], r[2]});
  }

  // 2b, atelectasis / consolidation: dense, posterior and basal
  void paint_consolidation(LesionCanvas& c, int side) {
    const double s = anatomy_.scale, k = spec_.lesion_scale;
    Vec3 p = random_point_in_lung(side, 2);
    p[1] = std::max(p[1], anatomy_.lung_centre[side][1] + 20 * s);
    const Vec3 r{k * rng_.uniform(20, 34) * s, k * rng_.uniform(18, 30) * s, k * rng_.uniform(20, 36)};
    paint(sub(p, r), add(p, r), [&](const Vec3& q) { return Phantom::in_ellipsoid(q, p, r); },
          [&](std::int64_t i, const Vec3&) { mark(c, i, 1, 32.0f); });
    note_location(c, p);
    c.finding.size_mm = 2 * std::max({r[0], r[1], r[2]});
  }

  // 2e, pleural effusion: fluid in the dependent (posterior) base
  void paint_effusion(LesionCanvas& c, int side) {
    const Vec3 lc = anatomy_.lung_centre[side], lr = anatomy_.lung_radii[side];
    const double depth = rng_.uniform(0.35, 0.6);  // how far forward the fluid reaches
    const double top = anatomy_.centre[2] - rng_.uniform(0.05, 0.35) * anatomy_.half_z;
    paint(sub(lc, lr), add(lc, lr), [&](const Vec3& q) {
            return Phantom::in_ellipsoid(q, lc, lr) && q[1] > lc[1] + (1 - 2 * depth) * lr[1] && q[2] < top;
          },
          [&](std::int64_t i, const Vec3&) {
            auto& t = phantom_.tissue()[static_cast<std::size_t>(i)];
            if (t != Tissue::lung && t != Tissue::vessel) return;
            mark(c, i, 1, 12.0f);
            t = Tissue::fluid;
          });
    c.finding.locations.push_back(side == 0 ? "right pleural space" : "left pleural space");
    c.finding.size_mm = 2 * depth * lr[1];
  }

  // 1c, emphysema: low-attenuation areas, upper zones
  void paint_emphysema(LesionCanvas& c, int side) {
    const double k = spec_.lesion_scale;
    const int count = 4 + static_cast<int>(rng_.below(5));
    for (int n = 0; n < count; ++n) {
      const Vec3 p = random_point_in_lung(n % 2 == 0 ? side : 1 - side, 0);
      const Vec3 r{k * rng_.uniform(6, 15), k * rng_.uniform(6, 15), k * rng_.uniform(6, 15)};
      paint(sub(p, r), add(p, r), [&](const Vec3& q) { return Phantom::in_ellipsoid(q, p, r); },
            [&](std::int64_t i, const Vec3&) {
              if (phantom_.tissue()[static_cast<std::size_t>(i)] == Tissue::lung) mark(c, i, static_cast<std::uint8_t>(n + 1), -975.0f);
            });
      note_location(c, p);
    }
    c.finding.size_mm = 30 * k;
  }

  // 1a, bronchial wall thickening: thick walls along lobar bronchi
  void paint_bronchial_walls(LesionCanvas& c, int side) {
    const double s = anatomy_.scale, k = spec_.lesion_scale;
    int id = 0;
    for (int lung = 0; lung < 2; ++lung) {
      if (lung != side && rng_.bernoulli(0.5)) continue;
      const Vec3 hilum{anatomy_.centre[0] + (lung == 0 ? -40 : 40) * s, anatomy_.centre[1] + 2 * s, anatomy_.centre[2] + 0.12 * anatomy_.half_z};
      for (const auto& end : anatomy_.lobar_end[lung]) {
        const auto wall_id = static_cast<std::uint8_t>(++id);
        const double lumen = 3.8 * s, wall = lumen + k * rng_.uniform(3.0, 4.5);
        for_tube(hilum, end, wall, [&](std::int64_t i, const Vec3& q) {
          if (Phantom::distance_to_segment(q, hilum, end) > lumen) mark(c, i, wall_id, 25.0f);
        });
        note_location(c, end);
      }
    }
    c.finding.size_mm = 4 * k;
  }

  // 1b, bronchiectasis: dilated, thin-walled airways reaching the periphery
  void paint_bronchiectasis(LesionCanvas& c, int side) {
    const double k = spec_.lesion_scale;
    const int count = 2 + static_cast<int>(rng_.below(2));
    for (int n = 0; n < count; ++n) {
      const Vec3 from = anatomy_.lobar_end[side][1 + rng_.below(2)];
      const Vec3 to = random_point_in_lung(side, zone_of(from));
      const double lumen = k * rng_.uniform(4.5, 7.0);
      const auto id = static_cast<std::uint8_t>(n + 1);
      for_tube(from, to, lumen + 1.5 * k, [&](std::int64_t i, const Vec3& q) {
        mark(c, i, id, Phantom::distance_to_segment(q, from, to) <= lumen ? -990.0f : 10.0f);
      });
      note_location(c, to);
      c.finding.size_mm = std::max(c.finding.size_mm, 2 * lumen);
    }
  }

  // 1d, septal thickening: a subpleural reticular lattice, lower zone
  void paint_septal_thickening(LesionCanvas& c, int side) {
    const double k = spec_.lesion_scale;
    const Vec3 p = random_point_in_lung(side, 2);
    const Vec3 r{k * rng_.uniform(22, 34), k * rng_.uniform(22, 34), k * rng_.uniform(22, 34)};
    const double period = 9.0 * k, line = 2.2 * k;
    const auto on_line = [&](double v) { return std::fmod(std::fabs(v), period) < line; };
    paint(sub(p, r), add(p, r), [&](const Vec3& q) { return Phantom::in_ellipsoid(q, p, r); },
          [&](std::int64_t i, const Vec3& q) {
            if (phantom_.tissue()[static_cast<std::size_t>(i)] != Tissue::lung) return;
            if (on_line(q[0]) || on_line(q[1]) || on_line(q[2])) mark(c, i, 1, -320.0f);
          });
    note_location(c, p);
    c.finding.size_mm = 2 * r[0];
  }

  // 2a, linear opacities / scarring / fibrosis: thin dense bands
  void paint_linear_opacities(LesionCanvas& c, int side) {
    const double k = spec_.lesion_scale;
    const int count = 2 + static_cast<int>(rng_.below(3));
    for (int n = 0; n < count; ++n) {
      const Vec3 a = random_point_in_lung(n == 0 ? side : static_cast<int>(rng_.below(2)), -1);
      const double length = k * rng_.uniform(25, 50), theta = rng_.uniform(0, 6.283185), phi = rng_.uniform(-0.6, 0.6);
      const Vec3 b{a[0] + length * std::cos(theta) * std::cos(phi), a[1] + length * std::sin(theta) * std::cos(phi), a[2] + length * std::sin(phi)};
      const auto id = static_cast<std::uint8_t>(n + 1);
      for_tube(a, b, k * rng_.uniform(1.5, 2.5), [&](std::int64_t i, const Vec3&) { mark(c, i, id, 15.0f); });
      note_location(c, a);
    }
    c.finding.size_mm = 40 * k;
  }

  // One painter per lesion code; each draws from rng_ in its own fixed order.
  using LesionPainter = void (CasePainter::*)(LesionCanvas&, int);
  static const std::map<std::string, LesionPainter>& lesion_painters() {
    static const std::map<std::string, LesionPainter> painters{
      {"2d", &CasePainter::paint_nodules},
      {"1e", &CasePainter::paint_micronodules},
      {"2c", &CasePainter::paint_ground_glass},
      {"2b", &CasePainter::paint_consolidation},
      {"2e", &CasePainter::paint_effusion},
      {"1c", &CasePainter::paint_emphysema},
      {"1a", &CasePainter::paint_bronchial_walls},
      {"1b", &CasePainter::paint_bronchiectasis},
      {"1d", &CasePainter::paint_septal_thickening},
      {"2a", &CasePainter::paint_linear_opacities},
    };
    return painters;
  }

  void paint_lesion(const std::string& code) {
    const auto painter = lesion_painters().find(code);
    if (painter == lesion_painters().end()) throw internal_error("no painter for lesion code").value(code);
    LesionCanvas c = canvas(code);
    const int side = static_cast<int>(rng_.below(2));
    (this->*painter->second)(c, side);
    c.finding.mask = std::move(c.mask);
    const bool visible = std::any_of(c.finding.mask.begin(), c.finding.mask.end(), [](std::uint8_t v) { return v != 0; });
    if (visible) {
      findings_.push_back(std::move(c.finding));
    } else {  // wholly hidden by earlier lesions: the label says what the image shows
      std::replace(owner_.begin(), owner_.end(), c.owner, std::uint8_t{0});
    }
  }

  SyntheticCase finish() {
    SyntheticCase out;
    out.size_zyx = spec_.size_zyx;
    out.spacing_zyx = spec_.spacing_zyx;
    out.origin_xyz = phantom_.origin();
    const auto& hu = phantom_.hu();
    out.hu.resize(hu.size());
    const double pad = rng_.bernoulli(0.5) ? -8192.0 : -2048.0;
    const Vec3 g = grid_centre();
    const double fov_radius = std::min(static_cast<double>(spec_.size_zyx[1]) * spec_.spacing_zyx[1],
                                       static_cast<double>(spec_.size_zyx[2]) * spec_.spacing_zyx[2]) / 2;
    for (std::size_t i = 0; i < hu.size(); ++i) {
      double v = std::clamp(static_cast<double>(hu[i]), -1024.0, 3071.0);
      if (spec_.circular_padding) {
        const Vec3 p = phantom_.centre_of(static_cast<std::int64_t>(i));
        if (sq(p[0] - g[0]) + sq(p[1] - g[1]) > sq(fov_radius)) v = pad;
      }
      out.hu[i] = static_cast<std::int16_t>(std::lround(v));
    }
    for (auto& f : findings_) count_mask_voxels(f);
    out.findings = std::move(findings_);
    return out;
  }

  static double sq(double v) { return v * v; }
  static Vec3 add(const Vec3& a, const Vec3& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
  static Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }

  const CaseSpec& spec_;
  core::Rng rng_;
  Phantom phantom_;
  Anatomy anatomy_{};
  std::vector<std::uint8_t> owner_;  // 0 free, else the owner mark of the lesion that painted the voxel
  std::vector<SyntheticFinding> findings_;
};

}  // namespace

void count_mask_voxels(SyntheticFinding& f) {
  std::vector<bool> seen(256, false);
  f.voxels = 0;
  for (auto v : f.mask)
    if (v) {
      ++f.voxels;
      seen[v] = true;
    }
  f.instances = static_cast<int>(std::count(seen.begin(), seen.end(), true));
}

SyntheticCase make_synthetic_case(const CaseSpec& spec) {
  for (const auto& code : spec.lesion_codes) {
    const auto& codes = synthetic_lesion_codes();
    if (std::find(codes.begin(), codes.end(), code) == codes.end())
      throw internal_error("unknown synthetic lesion code").value(code);
  }
  return CasePainter(spec).run();
}

}  // namespace unict::data

#include "unict/data/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "data_fixture.h"
#include "test_support.h"
#include "unict/core/error.h"
#include "unict/core/seed.h"
#include "unict/core/thread_pool.h"
#include "unict/data/intensity_window.h"
#include "unict/data/resample.h"
#include "unict/data/synthetic.h"
#include "unict/io/npy.h"

namespace unict::data {
namespace {

FloatVolume random_volume(std::array<std::int64_t, 3> shape, std::uint64_t seed) {
  FloatVolume v;
  v.array = io::NdArray(io::DType::float32, {shape[0], shape[1], shape[2]});
  core::Rng rng(seed);
  for (std::size_t i = 0; i < v.array.size(); ++i) v.array.data<float>()[i] = static_cast<float>(rng.uniform(-1000, 1000));
  v.geometry = io::Geometry::identity(3);
  v.geometry.spacing = {0.7, 0.8, 1.5};
  v.geometry.origin = {-100, 50, -300};
  return v;
}

TEST(Resample, MatchesScipyLinearInterpolation) {
  test::TempDir dir;
  core::ThreadPool pool(2);
  const std::vector<std::pair<std::array<std::int64_t, 3>, std::array<std::int64_t, 3>>> cases = {
      {{30, 40, 50}, {17, 23, 29}}, {{5, 6, 7}, {9, 11, 13}}, {{12, 9, 20}, {24, 9, 10}}, {{1, 4, 4}, {3, 2, 5}}};
  for (const auto& [in, out] : cases) {
    const FloatVolume v = random_volume(in, static_cast<std::uint64_t>(in[0] * 100 + out[0]));
    io::write_npy(dir / "in.npy", v.array);
    ASSERT_EQ(test::run_python("data/reference/resample_reference.py", (dir / "in.npy").string() + " " + std::to_string(out[0]) + " " +
                                                                         std::to_string(out[1]) + " " + std::to_string(out[2]) + " " +
                                                                         (dir / "ref.npy").string()), 0);
    const io::NdArray expected = io::read_npy(dir / "ref.npy");
    const FloatVolume actual = resample_linear(v, out, &pool);
    ASSERT_EQ(actual.array.shape, expected.shape);
    double worst = 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
      worst = std::max(worst, std::fabs(static_cast<double>(actual.array.data<float>()[i]) - expected.data<float>()[i]));
    EXPECT_LT(worst, 1e-3) << "largest difference in HU for " << in[0] << "x" << in[1] << "x" << in[2];  // float32 rounding
  }
}

// World (LPS) position of voxel (k, j, i) of a volume.
std::array<double, 3> world(const FloatVolume& v, std::int64_t k, std::int64_t j, std::int64_t i) {
  const auto& g = v.geometry;
  const double idx[3] = {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
  std::array<double, 3> p = {g.origin[0], g.origin[1], g.origin[2]};
  for (int r = 0; r < 3; ++r)
    for (int a = 0; a < 3; ++a) p[static_cast<std::size_t>(r)] += g.direction[static_cast<std::size_t>(r * 3 + a)] * g.spacing[static_cast<std::size_t>(a)] * idx[a];
  return p;
}

// Every voxel value sits at the same physical position before and after the operation.
void expect_same_positions(const FloatVolume& before, const FloatVolume& after) {
  std::map<float, std::array<double, 3>> where;
  const auto bs = shape_of(before), as = shape_of(after);
  for (std::int64_t k = 0; k < bs[0]; ++k)
    for (std::int64_t j = 0; j < bs[1]; ++j)
      for (std::int64_t i = 0; i < bs[2]; ++i) where[before.array.data<float>()[(k * bs[1] + j) * bs[2] + i]] = world(before, k, j, i);
  std::size_t matched = 0;
  for (std::int64_t k = 0; k < as[0]; ++k)
    for (std::int64_t j = 0; j < as[1]; ++j)
      for (std::int64_t i = 0; i < as[2]; ++i) {
        const auto it = where.find(after.array.data<float>()[(k * as[1] + j) * as[2] + i]);
        if (it == where.end()) continue;  // padding
        const auto p = world(after, k, j, i);
        for (int r = 0; r < 3; ++r) ASSERT_NEAR(p[static_cast<std::size_t>(r)], it->second[static_cast<std::size_t>(r)], 1e-6);
        ++matched;
      }
  EXPECT_GT(matched, 0u);
}

FloatVolume numbered(std::array<std::int64_t, 3> shape) {
  FloatVolume v = random_volume(shape, 1);
  for (std::size_t i = 0; i < v.array.size(); ++i) v.array.data<float>()[i] = static_cast<float>(i);
  return v;
}

TEST(Orientation, FlipsAndPermutationsKeepEveryVoxelWhereItIs) {
  FloatVolume rad = numbered({4, 5, 6});
  rad.geometry.direction = {1, 0, 0, 0, 1, 0, 0, 0, -1};  // RAD-ChestCT: slices run superior to inferior
  const FloatVolume a = to_canonical(rad, "rad");
  EXPECT_EQ(a.geometry.direction, io::Geometry::identity(3).direction);
  expect_same_positions(rad, a);
  EXPECT_EQ(a.array.data<float>()[0], rad.array.data<float>()[3 * 30]);  // old last slice first

  FloatVolume swapped = numbered({3, 4, 5});
  swapped.geometry.direction = {0, -1, 0, 1, 0, 0, 0, 0, 1};  // file x runs along +y, file y along -x
  const FloatVolume b = to_canonical(swapped, "swapped");
  EXPECT_EQ(shape_of(b), (std::array<std::int64_t, 3>{3, 5, 4}));
  expect_same_positions(swapped, b);

  FloatVolume oblique = numbered({2, 2, 2});
  const double c = std::cos(0.8), s = std::sin(0.8);
  oblique.geometry.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  EXPECT_THROW(to_canonical(oblique, "oblique"), Error);
}

TEST(CropOrPad, CentresAndKeepsPositions) {
  const FloatVolume v = numbered({5, 6, 7});
  const FloatVolume cropped = crop_or_pad(v, {3, 4, 4}, -1.0f);
  expect_same_positions(v, cropped);
  EXPECT_EQ(cropped.array.data<float>()[0], v.array.data<float>()[(1 * 6 + 1) * 7 + 1]);  // offsets (7-4)/2 = 1
  const FloatVolume padded = crop_or_pad(v, {8, 6, 8}, -1.0f);
  expect_same_positions(v, padded);
  EXPECT_EQ(padded.array.data<float>()[0], -1.0f);
  EXPECT_EQ(padded.array.data<float>()[(1 * 6 + 0) * 8 + 0], v.array.data<float>()[0]);  // one slice of padding first (3 -> 1 + 2)
}

TEST(Resample, KeepsThePhysicalExtent) {
  const FloatVolume v = random_volume({20, 30, 40}, 3);
  const FloatVolume r = resample_linear(v, {10, 45, 16}, nullptr);
  const auto centre = [](const FloatVolume& x) {
    const auto s = shape_of(x);
    const auto a = world(x, 0, 0, 0), b = world(x, s[0] - 1, s[1] - 1, s[2] - 1);
    return std::array<double, 3>{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
  };
  for (int r_ = 0; r_ < 3; ++r_) EXPECT_NEAR(centre(v)[static_cast<std::size_t>(r_)], centre(r)[static_cast<std::size_t>(r_)], 1e-9);
  EXPECT_NEAR(r.geometry.spacing[0] * 16, v.geometry.spacing[0] * 40, 1e-9);
  EXPECT_NEAR(r.geometry.spacing[2] * 10, v.geometry.spacing[2] * 20, 1e-9);
}

class PreprocessSynthetic : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    write_synthetic_dataset(dir_->path() / "s", test::small_synthetic(6, 33, {40, 64, 64}));
    const DataConfig c = test::synthetic_data_config(dir_->path() / "s");
    labels_ = new LabelSet(load_label_set(c.label_set));
    samples_ = new SampleSet(rexgrounding_samples(c, *labels_));
  }
  static void TearDownTestSuite() {
    delete samples_;
    delete labels_;
    delete dir_;
  }
  static PreprocessConfig config() { return test::small_preprocess({7.0, 6.0, 6.0}, {40, 56, 56}); }
  static test::TempDir* dir_;
  static LabelSet* labels_;
  static SampleSet* samples_;
};
test::TempDir* PreprocessSynthetic::dir_ = nullptr;
LabelSet* PreprocessSynthetic::labels_ = nullptr;
SampleSet* PreprocessSynthetic::samples_ = nullptr;

// LPS position (mm) of voxel `v` of a (z, y, x) grid.
std::array<double, 3> position(const io::Geometry& g, const std::vector<std::int64_t>& shape, std::int64_t v) {
  const double idx[3] = {static_cast<double>(v % shape[2]), static_cast<double>((v / shape[2]) % shape[1]), static_cast<double>(v / (shape[1] * shape[2]))};
  std::array<double, 3> p{};
  for (std::size_t r = 0; r < 3; ++r) {
    p[r] = g.origin[r];
    for (std::size_t a = 0; a < 3; ++a) p[r] += g.direction[r * 3 + a] * g.spacing[a] * idx[a];
  }
  return p;
}

// Centroid in LPS mm of the voxels where `inside(index)` holds, for a (z, y, x) grid.
template <class Inside>
std::array<double, 3> centroid(const io::Geometry& g, const std::vector<std::int64_t>& shape, Inside inside) {
  std::array<double, 3> sum{};
  double n = 0;
  for (std::int64_t k = 0; k < shape[0]; ++k)
    for (std::int64_t j = 0; j < shape[1]; ++j)
      for (std::int64_t i = 0; i < shape[2]; ++i) {
        if (!inside((k * shape[1] + j) * shape[2] + i)) continue;
        const double idx[3] = {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
        for (int r = 0; r < 3; ++r) {
          double p = g.origin[static_cast<std::size_t>(r)];
          for (int a = 0; a < 3; ++a) p += g.direction[static_cast<std::size_t>(r * 3 + a)] * g.spacing[static_cast<std::size_t>(a)] * idx[a];
          sum[static_cast<std::size_t>(r)] += p;
        }
        n += 1;
      }
  for (auto& s : sum) s /= n;
  return sum;
}

// A lesion (one instance of one finding) after preprocessing: its centroid moves by less than one
// output voxel, and it never vanishes, however thin.
TEST_F(PreprocessSynthetic, LesionsStayAlignedWithTheCtAndNoneVanishes) {
  PreprocessConfig p = config();
  p.size = {60, 72, 72};  // larger than every volume: only padding, so no lesion is cut at the edge
  core::ThreadPool pool(2);
  std::size_t single = 0, instances = 0;
  for (const auto& sample : samples_->samples) {
    const PreparedVolume prepared = preprocess_sample(sample, labels_->size(), p, &pool);
    EXPECT_EQ(prepared.ct.shape, (std::vector<std::int64_t>{60, 72, 72}));
    const io::Volume ct = load_ct(sample.ct);
    const io::Volume mask = io::read_nifti(sample.mask_file, io::NiftiScaling::stored);
    const auto findings = static_cast<std::size_t>(mask.array.shape[3]);
    const auto* m = mask.array.data<std::uint8_t>();
    for (std::size_t c = 0; c < labels_->size(); ++c) {
      if (sample.class_channels[c].empty()) {
        EXPECT_EQ(std::count(prepared.masks[c].begin(), prepared.masks[c].end(), 1), 0);
        continue;
      }
      const auto channel = static_cast<std::size_t>(sample.class_channels[c][0]);
      std::set<int> ids;
      for (std::size_t v = 0; v < ct.array.size(); ++v)
        if (m[v * findings + channel]) ids.insert(m[v * findings + channel]);
      for (int id : ids) {
        const auto lesion = centroid(ct.geometry, ct.array.shape, [&](std::int64_t v) { return m[static_cast<std::size_t>(v) * findings + channel] == id; });
        // Some output voxel of the class lies within 1.5 voxels of the lesion's centroid.
        const auto near = [&](std::int64_t v) {
          if (!prepared.masks[c][static_cast<std::size_t>(v)]) return false;
          const auto q = position(prepared.geometry, prepared.ct.shape, v);
          for (int r = 0; r < 3; ++r)
            if (std::fabs(q[static_cast<std::size_t>(r)] - lesion[static_cast<std::size_t>(r)]) > 1.5 * p.spacing[static_cast<std::size_t>(2 - r)]) return false;
          return true;
        };
        bool found = false;
        for (std::int64_t v = 0; v < static_cast<std::int64_t>(prepared.masks[c].size()) && !found; ++v) found = near(v);
        EXPECT_TRUE(found) << sample.name << " " << labels_->classes[c].name << " lesion " << id << " vanished";
        ++instances;
      }
      if (ids.size() != 1) continue;
      const auto before = centroid(ct.geometry, ct.array.shape, [&](std::int64_t v) { return m[static_cast<std::size_t>(v) * findings + channel] != 0; });
      const auto after = centroid(prepared.geometry, prepared.ct.shape, [&](std::int64_t v) { return prepared.masks[c][static_cast<std::size_t>(v)] != 0; });
      for (int r = 0; r < 3; ++r)
        EXPECT_LT(std::fabs(before[static_cast<std::size_t>(r)] - after[static_cast<std::size_t>(r)]), p.spacing[static_cast<std::size_t>(2 - r)])
            << sample.name << " " << labels_->classes[c].name << " axis " << r;
      ++single;
    }
    const auto* hu = prepared.ct.data<std::int16_t>();
    EXPECT_EQ(*std::min_element(hu, hu + prepared.ct.size()), -1000);  // padding replaced, window clipped
    EXPECT_LE(*std::max_element(hu, hu + prepared.ct.size()), 1000);
  }
  EXPECT_GT(single, 5u);
  EXPECT_GT(instances, single);
}

TEST_F(PreprocessSynthetic, Uint8StorageQuantisesTheWindow) {
  PreprocessConfig p = config();
  const auto& sample = samples_->samples.front();
  const PreparedVolume exact = preprocess_sample(sample, labels_->size(), p, nullptr);
  p.storage = "uint8";
  const PreparedVolume small = preprocess_sample(sample, labels_->size(), p, nullptr);
  ASSERT_EQ(small.ct.dtype, io::DType::uint8);
  for (std::size_t i = 0; i < exact.ct.size(); i += 97)
    EXPECT_NEAR(stored_to_hu(small.ct.value_at(i), small.ct.dtype, p.hu_min, p.hu_max), exact.ct.value_at(i), 2000.0 / 255 / 2 + 0.51);
}

TEST_F(PreprocessSynthetic, AMaskOfAnotherShapeIsAnErrorNamingIt) {
  Sample wrong = samples_->samples.front();
  for (const auto& other : samples_->samples) {
    if (io::read_nifti_info(other.mask_file).dims != io::read_nifti_info(wrong.mask_file).dims) {
      wrong.mask_file = other.mask_file;
      break;
    }
  }
  ASSERT_NE(wrong.mask_file, samples_->samples.front().mask_file) << "all synthetic volumes have one shape";
  try {
    preprocess_sample(wrong, labels_->size(), config(), nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(wrong.mask_file.string() + ": mask shape differs from its CT"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unict::data

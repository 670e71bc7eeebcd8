#include "unict/io/npy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.h"

namespace unict::io {
namespace {

namespace fs = std::filesystem;

class NpyReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::run_python("io/reference/make_npy.py", dir_->path().string()), 0);
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::vector<std::int64_t> expected_shape(const std::string& name) {
    std::istringstream in(test::slurp(*dir_ / (name + ".shape")));
    std::vector<std::int64_t> shape;
    for (std::int64_t n; in >> n;) shape.push_back(n);
    return shape;
  }
  static std::string expected_bytes(const std::string& name) { return test::slurp(*dir_ / (name + ".raw")); }
  static std::string bytes_of(const NdArray& a) { return std::string(a.bytes.begin(), a.bytes.end()); }

  static test::TempDir* dir_;
};
test::TempDir* NpyReference::dir_ = nullptr;

TEST_F(NpyReference, ReadsWhatNumpyWritesInEveryDtypeAndOrder) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir_->path())) {
    if (entry.path().extension() != ".npy") continue;
    const std::string name = entry.path().stem().string();
    const NdArray a = read_npy(entry.path());
    EXPECT_EQ(a.shape, expected_shape(name)) << name;
    EXPECT_EQ(bytes_of(a), expected_bytes(name)) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 9 * 2 * 3);
}

TEST_F(NpyReference, ReadsFortranOrderedDeflatedAndStoredNpzMembers) {
  for (const std::string archive : {"deflate.npz", "stored.npz"}) {
    const NdArray ct = read_npz_member(*dir_ / archive, "ct");
    EXPECT_EQ(ct.dtype, DType::int16);
    EXPECT_EQ(ct.shape, expected_shape("ct")) << archive;
    EXPECT_EQ(bytes_of(ct), expected_bytes("ct")) << archive;
    EXPECT_EQ(bytes_of(read_npz_member(*dir_ / archive, "ct.npy")), expected_bytes("ct"));
  }
  EXPECT_EQ(npz_members(*dir_ / "stored.npz"), (std::vector<std::string>{"ct.npy", "other.npy"}));
}

TEST_F(NpyReference, NumpyReadsWhatWeWrite) {
  const NdArray source = read_npy(*dir_ / "a_f4_C_3x4x5.npy");
  for (bool fortran : {false, true}) {
    const auto npy = *dir_ / (std::string("ours_") + (fortran ? "F" : "C") + ".npy");
    write_npy(npy, source, fortran);
    EXPECT_EQ(test::run_python("io/reference/check_npy.py", npy.string() + " " + (*dir_ / "a_f4_C_3x4x5.raw").string() +
                                                               " 3x4x5 '<f4' " + (fortran ? "1" : "0")), 0);
    EXPECT_EQ(bytes_of(read_npy(npy)), bytes_of(source));
  }
  const NdArray ct = read_npz_member(*dir_ / "deflate.npz", "ct");
  for (bool compress : {true, false}) {
    const auto npz = *dir_ / (std::string("ours_") + (compress ? "deflate" : "stored") + ".npz");
    write_npz(npz, {{"ct", &ct, true}}, compress);
    std::string shape;
    for (auto n : ct.shape) shape += (shape.empty() ? "" : "x") + std::to_string(n);
    EXPECT_EQ(test::run_python("io/reference/check_npy.py", npz.string() + ":ct " + (*dir_ / "ct.raw").string() + " " + shape + " '<i2' 1"), 0);
    EXPECT_EQ(bytes_of(read_npz_member(npz, "ct")), bytes_of(ct));
  }
  for (const auto& name : test::file_names(dir_->path())) EXPECT_NE(name.rfind(".tmp-", 0), 0u) << "left behind: " << name;
}

using test::error_of;


TEST(Npy, BadInputIsAClearErrorNamingTheFile) {
  test::TempDir dir;
  NdArray a(DType::int16, {4, 4});
  const std::string good = encode_npy(a);

  EXPECT_CONTAINS(error_of([&] { read_npy(dir.write("empty.npy", "")); }), "empty.npy: truncated npy header");
  EXPECT_CONTAINS(error_of([&] { read_npy(dir.write("text.npy", "hello, this is not numpy")); }), "text.npy: not a .npy array");
  EXPECT_CONTAINS(error_of([&] { read_npy(dir.write("short.npy", good.substr(0, good.size() - 5))); }), "short.npy: truncated npy data");
  EXPECT_CONTAINS(error_of([&] { read_npy(dir.write("long.npy", good + "xx")); }), "longer than its shape");
  std::string big_endian = good;
  big_endian.replace(big_endian.find("<i2"), 3, ">i2");
  EXPECT_CONTAINS(error_of([&] { read_npy(dir.write("be.npy", big_endian)); }), "be.npy: unsupported array dtype '>i2'");
  std::string complex = good;
  complex.replace(complex.find("<i2"), 3, "<c8");
  EXPECT_CONTAINS(error_of([&] { read_npy(dir.write("c.npy", complex)); }), "unsupported array dtype '<c8'");
  EXPECT_CONTAINS(error_of([&] { read_npy(dir / "missing.npy"); }), "missing.npy: cannot open");

  EXPECT_CONTAINS(error_of([&] { read_npz_member(dir.write("x.npz", "not a zip"), "ct"); }), "x.npz: not a readable .npz");
  EXPECT_CONTAINS(error_of([&] { read_npz_member(dir.write("zero.npz", ""), "ct"); }), "zero.npz: not a readable .npz");
  write_npz(dir / "noct.npz", {{"volume", &a, false}});
  const std::string missing = error_of([&] { read_npz_member(dir / "noct.npz", "ct"); });
  EXPECT_CONTAINS(missing, "noct.npz: no member 'ct.npy'");
  EXPECT_CONTAINS(missing, "volume.npy");
}

TEST(Npy, CorruptCompressedDataIsAnError) {
  test::TempDir dir;
  NdArray a(DType::int16, {64, 64});
  std::uint32_t noise = 12345;
  for (std::size_t i = 0; i < a.size(); ++i) a.data<std::int16_t>()[i] = static_cast<std::int16_t>((noise = noise * 1664525u + 1013904223u) >> 20);
  write_npz(dir / "ok.npz", {{"ct", &a, false}}, true);
  std::string bytes = test::slurp(dir / "ok.npz");
  // The compressed data follows the 30-byte local header, the member name and the extra field.
  const auto u16 = [&](std::size_t at) { return static_cast<std::size_t>(static_cast<unsigned char>(bytes[at]) | static_cast<unsigned char>(bytes[at + 1]) << 8); };
  const std::size_t data_start = 30 + u16(26) + u16(28);
  for (std::size_t i = data_start + 100; i < data_start + 160; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  EXPECT_THROW(read_npz_member(dir.write("bad.npz", bytes), "ct"), Error);
}

}  // namespace
}  // namespace unict::io

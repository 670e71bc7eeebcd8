#include "unict/io/json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "unict/core/error.h"

namespace unict::io {
namespace {

TEST(Json, WritesAndReadsBack) {
  test::TempDir dir;
  const nlohmann::json value = {{"train", {{{"name", "train_1_a_1"}, {"findings", {{"0", "nodule"}}}}}}, {"n", 3.5}};
  write_json(dir / "d.json", value);
  EXPECT_EQ(read_json(dir / "d.json"), value);
}

TEST(Json, InvalidJsonNamesTheFileAndLine) {
  test::TempDir dir;
  const auto file = dir.write("dataset.json", "{\n  \"train\": [\n    {\"name\": \"a\",}\n  ]\n}\n");
  try {
    read_json(file);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset.json:3: invalid JSON"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_json(dir / "missing.json"), Error);
}

// A number past double's range is nlohmann's out_of_range, not a parse_error: it escaped read_json
// before (found by fuzzing, tests/fuzz/corpus/json/crash-number-past-double).
TEST(Json, ANumberPastDoublesRangeIsAnErrorNamingTheFile) {
  test::TempDir dir;
  const auto file = dir.write("training.json", "{\"best_metric\": 5.75e5247077944157}\n");
  EXPECT_CONTAINS(test::error_of([&] { read_json(file); }), "training.json: invalid JSON: number overflow parsing '5.75e5247077944157'");
}

}  // namespace
}  // namespace unict::io

#include "unict/io/csv.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/core/error.h"

namespace unict::io {
namespace {


TEST(Csv, ReadsQuotedFieldsCommasNewlinesAndDoubledQuotes) {
  test::TempDir dir;
  const auto file = dir.write("m.csv",
                              "\xEF\xBB\xBFVolumeName,XYSpacing,Findings_EN\r\n"
                              "train_1_a_1.nii.gz,\"[0.341796875, 0.341796875]\",\"Nodule, 4 mm.\nNo \"\"effusion\"\".\"\r\n"
                              "\r\n"
                              "train_2_a_1.nii.gz,\"[0.7, 0.7]\",Not given.\n");
  const CsvTable t = read_csv(file);
  EXPECT_EQ(t.header, (std::vector<std::string>{"VolumeName", "XYSpacing", "Findings_EN"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "[0.341796875, 0.341796875]");
  EXPECT_EQ(t.rows[0][2], "Nodule, 4 mm.\nNo \"effusion\".");
  EXPECT_EQ(t.rows[1][2], "Not given.");
  EXPECT_EQ(t.column("Findings_EN"), 2u);
  EXPECT_EQ(parse_number_list(t.rows[0][1], "m.csv"), (std::vector<double>{0.341796875, 0.341796875}));
}

TEST(Csv, StreamsRowsWithTheirLineNumbers) {
  test::TempDir dir;
  const auto file = dir.write("s.csv", "a,b\n1,\"x\ny\"\n2,z\n");
  CsvReader reader(file);
  std::vector<std::string> row;
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(reader.line(), 2);
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(reader.line(), 4);  // the quoted newline moved the second row down
  EXPECT_EQ(row, (std::vector<std::string>{"2", "z"}));
  EXPECT_FALSE(reader.next(row));
}

TEST(Csv, WrittenFilesReadBackIdentically) {
  test::TempDir dir;
  const std::vector<std::string> header = {"name", "text", "list"};
  const std::vector<std::vector<std::string>> rows = {{"a", "plain", "[1, 2]"}, {"b", "comma, \"quote\"\nnewline", ""}};
  write_csv(dir / "out.csv", header, rows);
  const CsvTable t = read_csv(dir / "out.csv");
  EXPECT_EQ(t.header, header);
  EXPECT_EQ(t.rows, rows);
}

using test::error_of;

TEST(Csv, BadInputNamesTheFileLineAndProblem) {
  test::TempDir dir;
  EXPECT_CONTAINS(error_of([&] { read_csv(dir.write("ragged.csv", "a,b\n1,2\n3\n")); }), "ragged.csv:3: row has 1 fields; expected 2 fields");
  EXPECT_CONTAINS(error_of([&] { read_csv(dir.write("open.csv", "a,b\n1,\"never closed\n")); }), "open.csv:2: unterminated quoted field");
  EXPECT_CONTAINS(error_of([&] { read_csv(dir.write("empty.csv", "")); }), "empty.csv: empty CSV file");
  EXPECT_CONTAINS(error_of([&] { read_csv(dir / "missing.csv"); }), "missing.csv: cannot open");
  const CsvTable t = read_csv(dir.write("ok.csv", "VolumeName,x\nv,1\n"));
  EXPECT_CONTAINS(error_of([&] { t.column("RescaleSlope"); }), "ok.csv: missing column 'RescaleSlope'");
  EXPECT_CONTAINS(error_of([&] { parse_number_list("[0.5, abc]", "m.csv row 3"); }), "m.csv row 3: not a number 'abc'");
  EXPECT_CONTAINS(error_of([&] { parse_number_list("0.5", "m.csv"); }), "not a list");
  EXPECT_EQ(parse_number_list("[]", "m.csv"), std::vector<double>{});
  EXPECT_EQ(parse_number_list("['-160.0', '-170.5']", "m.csv"), (std::vector<double>{-160.0, -170.5}));
  EXPECT_EQ(parse_number(" -1024 ", "m.csv"), -1024.0);
}

}  // namespace
}  // namespace unict::io

// CSV as the data sets ship it (RFC 4180: a header row, commas, double-quoted fields that may hold
// commas, newlines and doubled quotes, LF or CRLF line ends, an optional UTF-8 byte order mark).
// CsvReader streams rows (RAD-ChestCT's label files have 4,369 columns); read_csv loads a table.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace unict::io {

class CsvReader {
 public:
  explicit CsvReader(const std::filesystem::path& file);  // reads the header row
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& header() const { return header_; }
  // Index of a column; an Error naming the file and the column when it is missing.
  std::size_t column(std::string_view name) const;
  bool has_column(std::string_view name) const;

  // Reads the next row into `fields` (as many as the header); false at the end. A row with a
  // different number of fields is an Error naming the file and line.
  bool next(std::vector<std::string>& fields);
  int line() const { return row_line_; }  // 1-based line where the last row started
  const std::string& file() const { return name_; }

 private:
  bool read_record(std::vector<std::string>& fields);
  int get();

  std::string name_;
  std::unique_ptr<FILE, int (*)(FILE*)> stream_;
  std::vector<std::string> header_;
  int line_ = 1, row_line_ = 0;
};

struct CsvTable {
  std::string file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::size_t column(std::string_view name) const;  // Error when missing
};

CsvTable read_csv(const std::filesystem::path& file);

// Writes atomically; quotes fields that need it.
void write_csv(const std::filesystem::path& file, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);
std::string csv_field(std::string_view text);

// Parses a list held in one field, e.g. "[0.341796875, 0.341796875]" or "['a', 'b']" numbers only:
// an Error naming `context` when a value is not a number.
std::vector<double> parse_number_list(std::string_view text, const std::string& context);
// A single number field (surrounding spaces allowed); an Error naming `context` otherwise.
double parse_number(std::string_view text, const std::string& context);

}  // namespace unict::io

#include "unict/io/csv.h"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"

namespace unict::io {

CsvReader::CsvReader(const std::filesystem::path& file) : name_(file.string()), stream_(nullptr, std::fclose) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw Error("is a folder; expected a CSV file").file(name_);
  stream_.reset(std::fopen(file.c_str(), "rb"));
  if (!stream_) throw Error("cannot open: " + system_reason(errno)).file(name_);
  // Skip a UTF-8 byte order mark.
  const int a = std::fgetc(stream_.get());
  if (a == 0xEF) {
    const int b = std::fgetc(stream_.get()), c = std::fgetc(stream_.get());
    if (b != 0xBB || c != 0xBF) throw Error("not a UTF-8 CSV file (bad first bytes)").file(name_);
  } else if (a != EOF) {
    std::ungetc(a, stream_.get());
  }
  if (!read_record(header_)) throw Error("empty CSV file: no header row").file(name_);
}

CsvReader::~CsvReader() = default;

int CsvReader::get() { return std::fgetc(stream_.get()); }

bool CsvReader::read_record(std::vector<std::string>& fields) {
  fields.clear();
  int c = get();
  // Skip blank lines between records.
  while (c == '\n' || c == '\r') {
    if (c == '\n') ++line_;
    c = get();
  }
  if (c == EOF) return false;
  row_line_ = line_;
  std::string field;
  bool quoted = false;
  for (;;) {
    if (quoted) {
      if (c == EOF) throw Error("unterminated quoted field").file(name_).line(row_line_);
      if (c == '"') {
        const int next = get();
        if (next == '"') {
          field += '"';
        } else {
          quoted = false;
          c = next;
          continue;
        }
      } else {
        if (c == '\n') ++line_;
        field += static_cast<char>(c);
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r' || c == EOF) {
      if (c == '\r') {
        const int next = get();
        if (next != '\n' && next != EOF) std::ungetc(next, stream_.get());
      }
      if (c != EOF) ++line_;
      fields.push_back(std::move(field));
      return true;
    } else {
      field += static_cast<char>(c);
    }
    c = get();
  }
}

bool CsvReader::next(std::vector<std::string>& fields) {
  if (!read_record(fields)) return false;
  if (fields.size() != header_.size()) {
    throw Error("row has " + std::to_string(fields.size()) + " fields").file(name_).line(row_line_)
        .expected(std::to_string(header_.size()) + " fields, as in the header");
  }
  return true;
}

bool CsvReader::has_column(std::string_view name) const {
  return std::find(header_.begin(), header_.end(), name) != header_.end();
}

namespace {
std::size_t find_column(const std::vector<std::string>& header, std::string_view name, const std::string& file) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw Error("missing column '" + std::string(name) + "'").file(file).expected("a CSV header that has it");
  return static_cast<std::size_t>(it - header.begin());
}
}  // namespace

std::size_t CsvReader::column(std::string_view name) const { return find_column(header_, name, name_); }
std::size_t CsvTable::column(std::string_view name) const { return find_column(header, name, file); }

CsvTable read_csv(const std::filesystem::path& file) {
  CsvReader reader(file);
  CsvTable table;
  table.file = file.string();
  table.header = reader.header();
  std::vector<std::string> fields;
  while (reader.next(fields)) table.rows.push_back(fields);
  return table;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_csv(const std::filesystem::path& file, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  auto add_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) text += (i ? "," : "") + csv_field(row[i]);
    text += "\n";
  };
  add_row(header);
  for (const auto& row : rows) {
    if (row.size() != header.size()) throw internal_error("CSV row length differs from the header").file(file.string());
    add_row(row);
  }
  core::write_file_atomic(file, text);
}

double parse_number(std::string_view text, const std::string& context) {
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t");
  if (first == std::string_view::npos) throw Error("empty value where a number was expected").file(context);
  std::string trimmed(text.substr(first, last - first + 1));
  if (trimmed[0] == '+') trimmed.erase(0, 1);
  double value = 0;
  const auto result = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (result.ec != std::errc() || result.ptr != trimmed.data() + trimmed.size() || !std::isfinite(value))
    throw Error("not a number").file(context).value(std::string(text));
  return value;
}

std::vector<double> parse_number_list(std::string_view text, const std::string& context) {
  const auto open = text.find('[');
  const auto close = text.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    throw Error("not a list").file(context).value(std::string(text)).expected("a list such as \"[0.5, 0.5]\"");
  std::vector<double> values;
  std::string_view inner = text.substr(open + 1, close - open - 1);
  while (!inner.empty()) {
    const auto comma = inner.find(',');
    std::string_view item = inner.substr(0, comma);
    // Allow quoted numbers ('-160.0') as some exporters write them.
    while (!item.empty() && (item.front() == ' ' || item.front() == '\'' || item.front() == '"')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\'' || item.back() == '"')) item.remove_suffix(1);
    if (!item.empty() || comma != std::string_view::npos) values.push_back(parse_number(item, context));
    if (comma == std::string_view::npos) break;
    inner.remove_prefix(comma + 1);
  }
  return values;
}

}  // namespace unict::io

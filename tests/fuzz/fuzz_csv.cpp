// CSV: the RFC 4180 reader, as a table and streamed row by row, and the list-valued fields.
#include "fuzz_input.h"
#include "unict/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("input.csv", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] {
    const unict::io::CsvTable table = unict::io::read_csv(file);
    for (const auto& row : table.rows)
      for (const auto& field : row) unict::fuzz::refused_only_with_errors([&] { unict::io::parse_number_list(field, "fuzz"); });
  });
  unict::fuzz::refused_only_with_errors([&] {
    unict::io::CsvReader reader(file);
    std::vector<std::string> row;
    while (reader.next(row)) {
    }
  });
  return 0;
}

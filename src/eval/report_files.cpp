#include "unict/eval/report_files.h"


#include <nlohmann/json.hpp>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/io/json.h"

namespace unict::eval {

std::map<std::string, std::vector<std::string>> read_report_lines(const std::filesystem::path& file, bool single) {
  std::map<std::string, std::vector<std::string>> reports;
  io::for_each_json_line(
      file,
      [&](const nlohmann::json& doc, int number) {
        if (!doc.is_object() || !doc.contains("VolumeName") || !doc["VolumeName"].is_string() || !doc.contains("report") ||
            !doc["report"].is_string())
          throw Error("a report line needs string fields VolumeName and report").file(file.string()).line(number);
        auto& list = reports[doc["VolumeName"].get<std::string>()];
        if (single && !list.empty())
          throw Error("volume listed twice").file(file.string()).line(number).value(doc["VolumeName"].get<std::string>()).expected(
              "one generated report per volume");
        list.push_back(doc["report"].get<std::string>());
      },
      "one {\"VolumeName\": ..., \"report\": ...} object per line");
  return reports;
}

void write_report_lines(const std::filesystem::path& file, const std::vector<std::pair<std::string, std::string>>& reports) {
  std::string text;
  for (const auto& [name, report] : reports) text += nlohmann::json{{"VolumeName", name}, {"report", report}}.dump() + "\n";
  core::write_file_atomic(file, text);
}

}  // namespace unict::eval

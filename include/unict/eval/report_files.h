// Report files: JSON Lines, one {"VolumeName": "...", "report": "..."} per line. A reference file
// may hold several lines for one volume (several references); a generated file one per volume.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace unict::eval {

// VolumeName -> its reports, in file order. Malformed lines are Errors naming the file and line;
// `single` makes a repeated VolumeName an error too.
std::map<std::string, std::vector<std::string>> read_report_lines(const std::filesystem::path& file, bool single);

// Writes atomically, one line per (name, report), in the order given.
void write_report_lines(const std::filesystem::path& file, const std::vector<std::pair<std::string, std::string>>& reports);

}  // namespace unict::eval

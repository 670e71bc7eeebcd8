// A file that grows by whole records (metrics.jsonl): each append lands in full or not at all.
// A failed write (a full disk) cuts the file back to its length before the record and throws an
// Error naming the file, so a reader never meets half a record.
#pragma once

#include <filesystem>
#include <string_view>

namespace unict::core {

class AppendFile {
 public:
  // Opens `file` for appending, creating it when it does not exist.
  explicit AppendFile(std::filesystem::path file);
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();

  void append(std::string_view record);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace unict::core

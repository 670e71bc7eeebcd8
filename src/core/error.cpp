#include "unict/core/error.h"

#include <cerrno>
#include <cstring>

namespace unict {

Error::Error(std::string what, ErrorKind kind) : kind_(kind), reason_(std::move(what)) { compose(); }

Error& Error::file(std::string path) {
  file_ = std::move(path);
  compose();
  return *this;
}

Error& Error::line(int one_based_line) {
  line_ = one_based_line;
  compose();
  return *this;
}

Error& Error::key(std::string key_path) {
  key_ = std::move(key_path);
  compose();
  return *this;
}

Error& Error::value(std::string offending_value) {
  value_ = std::move(offending_value);
  has_value_ = true;
  compose();
  return *this;
}

Error& Error::expected(std::string what_is_allowed) {
  expected_ = std::move(what_is_allowed);
  compose();
  return *this;
}

Error& Error::hint(std::string suggestion) {
  hint_ = std::move(suggestion);
  compose();
  return *this;
}

void Error::compose() {
  std::string m;
  if (!file_.empty()) {
    m += file_;
    if (line_ > 0) m += ":" + std::to_string(line_);
    m += ": ";
  }
  if (!key_.empty()) m += "key '" + key_ + "': ";
  m += reason_;
  if (has_value_) m += " '" + value_ + "'";
  if (!expected_.empty()) m += "; expected " + expected_;
  if (!hint_.empty()) m += " (" + hint_ + ")";
  message_ = std::move(m);
}

std::string system_reason(int err) {
  // Said in words a person acts on: the disk (or a quota) is full, not the file broken.
  if (err == ENOSPC) return "no space left on the device";
  if (err == EDQUOT) return "no space left (disk quota exceeded)";
  return std::strerror(err);
}

}  // namespace unict

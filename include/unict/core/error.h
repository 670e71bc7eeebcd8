// The one exception type of UniCT: what went wrong, where (file, line, key), the offending value
// and what was expected, composed into a single readable line.
#pragma once

#include <exception>
#include <string>

namespace unict {

// Who can fix the problem. The `unict` command maps `user` to exit status 2 (bad input, a missing
// file, a full disk: the person running it can act) and `internal` to 1 (a broken invariant).
enum class ErrorKind { user, internal };

class Error : public std::exception {
 public:
  explicit Error(std::string what, ErrorKind kind = ErrorKind::user);

  // Context setters, chainable: throw Error("invalid value").key("train.lr").value("-1");
  Error& file(std::string path);
  Error& line(int one_based_line);
  Error& key(std::string key_path);
  Error& value(std::string offending_value);
  Error& expected(std::string what_is_allowed);
  Error& hint(std::string suggestion);

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& file_path() const noexcept { return file_; }
  int line_number() const noexcept { return line_; }
  const std::string& key_path() const noexcept { return key_; }

  // "<file>:<line>: key '<key>': <reason> '<value>'; expected <expected> (<hint>)"
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  void compose();

  ErrorKind kind_;
  std::string reason_, file_, key_, value_, expected_, hint_;
  int line_ = 0;
  bool has_value_ = false;
  std::string message_;
};

// For invariants that only a bug can break.
inline Error internal_error(std::string what) { return Error(std::move(what), ErrorKind::internal); }

// The text of errno `err` ("No such file or directory").
std::string system_reason(int err);

}  // namespace unict

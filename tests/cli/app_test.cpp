// How failures escaping a subcommand become one stderr line and an exit status.
#include "app.h"

#include <sstream>

#include <gtest/gtest.h>

#include "unict/core/error.h"

namespace unict::cli {
namespace {

template <class E>
std::pair<int, std::string> report(E exception) {
  std::ostringstream err;
  const int status = report_failure(std::make_exception_ptr(exception), err);
  return {status, err.str()};
}

TEST(ReportFailure, UserErrorsExitTwo) {
  const auto [status, text] = report(Error("invalid value").key("train.lr").value("-1"));
  EXPECT_EQ(status, 2);
  EXPECT_EQ(text, "unict: error: key 'train.lr': invalid value '-1'\n");
}

TEST(ReportFailure, InternalErrorsAndOtherExceptionsExitOne) {
  auto [status, text] = report(internal_error("broken invariant"));
  EXPECT_EQ(status, 1);
  EXPECT_EQ(text, "unict: internal error: broken invariant\n");
  std::tie(status, text) = report(std::bad_alloc());
  EXPECT_EQ(status, 1);
  EXPECT_EQ(text.rfind("unict: internal error: ", 0), 0u);
  std::tie(status, text) = report(42);
  EXPECT_EQ(status, 1);
  EXPECT_EQ(text, "unict: internal error: unknown exception\n");
}

}  // namespace
}  // namespace unict::cli

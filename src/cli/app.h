// The `unict` command line: parses, dispatches to a subcommand and maps failures to exit statuses:
// 0 success, 2 user error (bad arguments, config or input: one line on stderr), 1 internal error.
#pragma once

#include <exception>
#include <iosfwd>

namespace unict::cli {

int run(int argc, const char* const* argv);

// Prints the one-line report of a failure escaping a subcommand to `err` and returns its exit
// status: 2 for a user Error, 1 for an internal Error or any other exception.
int report_failure(const std::exception_ptr& failure, std::ostream& err);

}  // namespace unict::cli

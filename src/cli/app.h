// The `unict` command line: parses, dispatches to a subcommand and maps failures to exit statuses:
// 0 success, 2 user error (bad arguments, config or input: one line on stderr), 1 internal error.
#pragma once

namespace unict::cli {

int run(int argc, const char* const* argv);

}  // namespace unict::cli

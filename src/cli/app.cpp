#include "app.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "sweep_commands.h"
#include "unict/core/error.h"
#include "unict/core/log.h"
#include "unict/core/torch_runtime.h"
#include "unict/train/stop_signal.h"

namespace unict::cli {
namespace {

constexpr int kExitInternal = 1;
constexpr int kExitUser = 2;

std::string version_text() {
  return std::string("unict ") + UNICT_VERSION + "\n" + core::torch_runtime_description() +
         "\ndevice: " + core::resolve_device_name("auto") + "\n";
}

int parse_and_run(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    // A training stopped by SIGINT / SIGTERM wrote its checkpoint and returned: say so in the status.
    if (const int signal = train::StopSignals::received()) return 128 + signal;
    return 0;
  } catch (const SweepExit& e) {
    return e.status;  // `unict sweep record`'s answer to the batch script
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "unict: error: " << e.what() << " (see 'unict --help')\n";
    return kExitUser;
  }
}

}  // namespace

int run(int argc, const char* const* argv) {
  try {
    core::init_logging("info");
    CLI::App app("UniCT: research framework for the UniCT multi-task model of 3D chest CT (classification, segmentation, reports).", "unict");
    app.require_subcommand(1);
    app.fallthrough();  // global options (--log-level) may also follow the subcommand
    app.add_flag_callback(
        "--version",
        [] {
          std::cout << version_text();
          throw CLI::Success();
        },
        "Print the UniCT and LibTorch versions and the device, then exit");
    GlobalOptions globals;
    app.add_option_function<std::string>(
           "--log-level",
           [&globals](const std::string& level) {
             globals.log_level = level;
             core::set_log_level(level);
           },
           "Console log level (overrides run.log_level)")
        ->check(CLI::IsMember(core::log_level_names()));
    add_config_command(app, globals);
    add_synth_command(app);
    add_inspect_command(app);
    add_split_command(app, globals);
    add_prepare_command(app, globals);
    add_model_command(app, globals);
    add_metrics_command(app);
    add_train_commands(app, globals);
    add_sweep_commands(app);
    return parse_and_run(app, argc, argv);
  } catch (...) {
    return report_failure(std::current_exception(), std::cerr);
  }
}

int report_failure(const std::exception_ptr& failure, std::ostream& err) {
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::internal) {
      err << "unict: internal error: " << e.what() << "\n";
      return kExitInternal;
    }
    err << "unict: error: " << e.what() << "\n";
    return kExitUser;
  } catch (const std::exception& e) {
    err << "unict: internal error: " << e.what() << "\n";
    return kExitInternal;
  } catch (...) {
    err << "unict: internal error: unknown exception\n";
    return kExitInternal;
  }
}

}  // namespace unict::cli

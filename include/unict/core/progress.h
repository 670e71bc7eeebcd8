// Progress reporting for long loops (prepare, training, evaluation). On a terminal: one live line
// redrawn in place with a bar, the count, the rate and the ETA. Otherwise (a log file, CI): a plain
// line every `plain_interval` seconds and one at the end, so logs stay readable.
// advance() may be called from several threads.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>

namespace unict::core {

struct ProgressStyle {
  bool terminal = false;          // live bar (true) or plain periodic lines (false)
  double plain_interval = 10.0;   // seconds between plain lines
  double redraw_interval = 0.1;   // seconds between live redraws
  std::string unit = "it";
};

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic

  // Writes to stderr; live when stderr is a terminal.
  Progress(std::string label, std::size_t total);
  // Full control, for tests and for writing elsewhere.
  Progress(std::string label, std::size_t total, std::ostream& out, ProgressStyle style, Clock clock = {});
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();  // finish()

  void advance(std::size_t steps = 1);
  void set_status(std::string status);  // shown after the figures, e.g. running losses
  void finish();                        // prints the closing line once

  std::size_t done() const;

  // "1:02:03" or "02:03"; "--:--" for an unknown (non-finite or negative) duration.
  static std::string format_duration(double seconds);

 private:
  void print_locked(bool final_line);
  std::string figures_locked(double now) const;

  std::string label_;
  std::size_t total_;
  std::ostream& out_;
  ProgressStyle style_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::size_t done_ = 0;
  std::string status_;
  double start_ = 0.0, last_print_ = 0.0;
  bool finished_ = false;
  std::size_t last_width_ = 0;
};

}  // namespace unict::core

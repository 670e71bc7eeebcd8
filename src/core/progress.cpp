#include "unict/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "unict/core/number_format.h"

namespace unict::core {
namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Progress::Progress(std::string label, std::size_t total)
    : Progress(std::move(label), total, std::cerr, ProgressStyle{::isatty(STDERR_FILENO) == 1}) {}

Progress::Progress(std::string label, std::size_t total, std::ostream& out, ProgressStyle style, Clock clock)
    : label_(std::move(label)), total_(total), out_(out), style_(std::move(style)),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)) {
  start_ = last_print_ = clock_();
}

Progress::~Progress() { finish(); }

void Progress::advance(std::size_t steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  done_ += steps;
  const double now = clock_();
  const double interval = style_.terminal ? style_.redraw_interval : style_.plain_interval;
  if (now - last_print_ >= interval) {
    last_print_ = now;
    print_locked(false);
  }
}

void Progress::set_status(std::string status) {
  std::lock_guard<std::mutex> lock(mutex_);
  status_ = std::move(status);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  print_locked(true);
  finished_ = true;
}

std::size_t Progress::done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto total = static_cast<long long>(std::llround(seconds));
  const long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buffer[48];
  if (h > 0)
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", h, m, s);
  else
    std::snprintf(buffer, sizeof buffer, "%02lld:%02lld", m, s);
  return buffer;
}

std::string Progress::figures_locked(double now) const {
  const double elapsed = now - start_;
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string text = std::to_string(done_);
  if (total_ > 0) {
    text += "/" + std::to_string(total_) + " (" + fixed(100.0 * static_cast<double>(done_) / static_cast<double>(total_), 0) + "%)";
  }
  text += " " + fixed(rate, rate < 10 ? 2 : 1) + " " + style_.unit + "/s";
  if (total_ > 0 && done_ < total_) {
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : -1.0;
    text += " ETA " + format_duration(eta);
  } else {
    text += " elapsed " + format_duration(elapsed);
  }
  if (!status_.empty()) text += " " + status_;
  return text;
}

void Progress::print_locked(bool final_line) {
  const double now = clock_();
  if (!style_.terminal) {
    out_ << label_ << ": " << (final_line ? "done " : "") << figures_locked(now) << "\n" << std::flush;
    return;
  }
  constexpr std::size_t kBarWidth = 24;
  std::string bar;
  if (total_ > 0) {
    const std::size_t filled = std::min(kBarWidth, done_ * kBarWidth / total_);
    bar = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  }
  std::string line = label_ + " " + bar + figures_locked(now);
  const std::size_t width = line.size();
  if (width < last_width_) line += std::string(last_width_ - width, ' ');  // erase a longer previous line
  last_width_ = width;
  out_ << "\r" << line << (final_line ? "\n" : "") << std::flush;
}

}  // namespace unict::core

#include "unict/eval/figures.h"

#include <plstream.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>

#include <nlohmann/json.hpp>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"
#include "unict/io/json.h"

namespace unict::eval {
namespace {

// Whether `png` holds a whole PNG: the signature, then chunks that fit the file, up to IEND.
// PLplot's cairo driver does not report a failed write (a full disk leaves a truncated file), so
// the file is checked before it replaces the figure.
bool png_complete(const std::string& bytes) {
  static const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.compare(0, kSignature.size(), kSignature) != 0) return false;
  std::size_t at = kSignature.size();
  while (at + 12 <= bytes.size()) {
    std::uint64_t length = 0;
    for (int b = 0; b < 4; ++b) length = length << 8 | static_cast<unsigned char>(bytes[at + b]);
    const std::string type = bytes.substr(at + 4, 4);
    at += 12 + length;
    if (at > bytes.size()) return false;
    if (type == "IEND") return at == bytes.size();
  }
  return false;
}

bool disk_full(const std::filesystem::path& folder) {
  struct statvfs fs {};
  return ::statvfs(folder.empty() ? "." : folder.c_str(), &fs) == 0 && fs.f_bavail == 0;
}

// Ten distinguishable colours (colour map 0 slots 2..11); slot 0 white background, 1 black.
constexpr int kPalette[10][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
                                 {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

// A PLplot stream drawing into a PNG that replaces `png` only when the figure is complete.
class Figure {
 public:
  Figure(const std::filesystem::path& png, int width, int height, int columns = 1, int rows = 1) : target_(png) {
    if (!png.parent_path().empty()) std::filesystem::create_directories(png.parent_path());
    stream_ = std::make_unique<plstream>();
    stream_->sdev("pngcairo");
    stream_->sfnam(target_.temporary().c_str());
    stream_->spage(0, 0, width, height, 0, 0);
    stream_->scol0(0, 255, 255, 255);
    stream_->scol0(1, 0, 0, 0);
    for (int i = 0; i < 10; ++i) stream_->scol0(i + 2, kPalette[i][0], kPalette[i][1], kPalette[i][2]);
    stream_->ssub(columns, rows);
  }
  plstream& operator*() { return *stream_; }
  plstream* operator->() { return stream_.get(); }
  void save() {
    stream_.reset();  // plend: flushes and closes the file
    std::error_code ec;
    if (!std::filesystem::exists(target_.temporary(), ec) || !png_complete(core::read_file(target_.temporary())))
      throw Error(disk_full(target_.target().parent_path()) ? "cannot write the figure: no space left on the device"
                                                             : "cannot write the figure: the PNG came out incomplete")
          .file(target_.target().string());
    target_.commit();
  }

 private:
  core::AtomicPath target_;
  std::unique_ptr<plstream> stream_;
};

std::vector<std::size_t> by_score_descending(const std::vector<double>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] > scores[b]; });
  return order;
}

void legend(plstream& pls, const std::vector<std::string>& texts, const std::vector<int>& colours, PLINT position) {
  const auto n = static_cast<PLINT>(texts.size());
  std::vector<PLINT> opt(texts.size(), PL_LEGEND_LINE), text_colors(colours.begin(), colours.end()), line_colors(colours.begin(), colours.end()),
      line_styles(texts.size(), 1), zeros(texts.size(), 0);
  std::vector<PLFLT> widths(texts.size(), 2.0), scales(texts.size(), 0.0);
  std::vector<const char*> labels;
  for (const auto& t : texts) labels.push_back(t.c_str());
  std::vector<const char*> symbols(texts.size(), "");
  PLFLT width = 0, height = 0;
  pls.legend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position, 0.02, 0.02, 0.1, 0, 1, 1, 0, 0, n, opt.data(), 1.0, 0.6,
             2.0, 1.0, text_colors.data(), labels.data(), nullptr, nullptr, nullptr, nullptr, line_colors.data(), line_styles.data(),
             widths.data(), zeros.data(), scales.data(), zeros.data(), symbols.data());
}

}  // namespace

namespace {

// (true positives, false positives) at each distinct score threshold, highest first.
std::vector<std::pair<double, double>> counts_by_threshold(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const auto order = by_score_descending(scores);
  std::vector<std::pair<double, double>> counts;
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < order.size();) {
    const double s = scores[order[i]];
    while (i < order.size() && scores[order[i]] == s) (labels[order[i++]] ? tp : fp) += 1;
    counts.emplace_back(tp, fp);
  }
  return counts;
}

}  // namespace

Curve roc_curve(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const auto positives = static_cast<double>(std::count(labels.begin(), labels.end(), 1));
  const auto negatives = static_cast<double>(labels.size()) - positives;
  Curve c{{0}, {0}};
  if (positives == 0 || negatives == 0) return c;
  for (const auto& [tp, fp] : counts_by_threshold(scores, labels)) {
    c.x.push_back(fp / negatives);
    c.y.push_back(tp / positives);
  }
  return c;
}

Curve pr_curve(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const auto positives = static_cast<double>(std::count(labels.begin(), labels.end(), 1));
  Curve c{{0}, {1}};
  if (positives == 0) return c;
  for (const auto& [tp, fp] : counts_by_threshold(scores, labels)) {
    c.x.push_back(tp / positives);
    c.y.push_back(tp / (tp + fp));
  }
  return c;
}

void plot_roc_pr(const ScoredCases& data, const std::filesystem::path& png) {
  Figure fig(png, 1400, 650, 2, 1);
  fig->init();
  const auto result = evaluate_classification(data);
  for (int panel = 0; panel < 2; ++panel) {
    fig->col0(1);
    fig->env(0, 1, 0, 1.02, 1, 0);
    if (panel == 0) {
      fig->lab("false positive rate", "true positive rate", "ROC per class");
      PLFLT diag_x[2] = {0, 1}, diag_y[2] = {0, 1};
      fig->lsty(2);
      fig->line(2, diag_x, diag_y);
      fig->lsty(1);
    } else {
      fig->lab("recall", "precision", "precision-recall per class");
    }
    std::vector<std::string> texts;
    std::vector<int> colours;
    for (std::size_t c = 0; c < data.classes.size(); ++c) {
      if (!result.per_class[c].undefined_reason.empty()) continue;
      const auto scores = data.class_scores(c);
      const auto labels = data.class_labels(c);
      const auto curve = panel == 0 ? roc_curve(scores, labels) : pr_curve(scores, labels);
      const int colour = 2 + static_cast<int>(texts.size() % 10);
      fig->col0(colour);
      fig->width(2);
      fig->line(static_cast<PLINT>(curve.x.size()), const_cast<PLFLT*>(curve.x.data()), const_cast<PLFLT*>(curve.y.data()));
      char text[160];
      std::snprintf(text, sizeof text, "%s (%s %.3f)", data.classes[c].c_str(), panel == 0 ? "AUROC" : "AP",
                    *result.per_class[c].values[panel == 0 ? 0 : 1]);
      texts.push_back(text);
      colours.push_back(colour);
    }
    fig->width(1);
    // ROC curves rarely reach the lower right, PR curves the lower left.
    if (!texts.empty()) legend(*fig, texts, colours, PL_POSITION_INSIDE | PL_POSITION_BOTTOM | (panel == 0 ? PL_POSITION_RIGHT : PL_POSITION_LEFT));
  }
  fig.save();
}

void plot_attention(const std::vector<std::vector<double>>& matrix, const std::vector<std::string>& tasks, const std::string& title,
                    const std::filesystem::path& png) {
  const auto n = static_cast<PLINT>(tasks.size());
  if (matrix.size() != tasks.size()) throw internal_error("attention matrix and task names differ in size");
  Figure fig(png, 700, 650);
  fig->init();
  fig->adv(0);
  fig->vpor(0.18, 0.85, 0.15, 0.85);
  fig->wind(0, n, 0, n);
  // Colour map 1: white (0) to dark blue (1).
  PLFLT pos[2] = {0, 1}, r[2] = {1, 0.03}, g[2] = {1, 0.19}, b[2] = {1, 0.42};
  fig->scmap1l(true, 2, pos, r, g, b, nullptr);
  for (PLINT i = 0; i < n; ++i) {
    for (PLINT j = 0; j < n; ++j) {
      const double v = matrix[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      // Row i is drawn from the top, as matrices are read.
      const PLFLT x0 = j, x1 = j + 1, y0 = n - 1 - i, y1 = n - i;
      PLFLT xs[4] = {x0, x1, x1, x0}, ys[4] = {y0, y0, y1, y1};
      fig->col1(std::clamp(v, 0.0, 1.0));
      fig->fill(4, xs, ys);
      char text[32];
      std::snprintf(text, sizeof text, "%.3f", v);
      fig->col0(v > 0.55 ? 0 : 1);
      fig->schr(0, 1.4);
      fig->ptex(x0 + 0.5, y0 + 0.45, 1, 0, 0.5, text);
    }
  }
  fig->col0(1);
  fig->schr(0, 1.0);
  fig->box("bc", 1.0, 0, "bc", 1.0, 0);
  for (PLINT k = 0; k < n; ++k) {
    fig->mtex("b", 1.5, (k + 0.5) / n, 0.5, tasks[static_cast<std::size_t>(k)].c_str());
    fig->mtex("l", 1.5, 1 - (k + 0.5) / n, 0.5, tasks[static_cast<std::size_t>(k)].c_str());
  }
  fig->mtex("b", 3.5, 0.5, 0.5, "attended task (key)");
  fig->mtex("l", 4.5, 0.5, 0.5, "attending task (query)");
  fig->mtex("t", 2.0, 0.5, 0.5, title.c_str());
  fig.save();
}

// The panels of training_curves.png: per task, the training loss and its validation counterpart
// on the same axes; then the validation task metrics.
struct CurvePanel {
  std::string title;
  std::vector<std::pair<std::string, std::string>> series;  // metrics.jsonl key, legend text
  bool unit_range = false;                                  // y from 0 to 1 (AUROC, Dice)
};

std::vector<CurvePanel> training_curve_panels() {
  return {{"total loss", {{"train.loss", "training"}, {"val.loss", "validation"}}},
          {"classification loss", {{"train.cls.loss", "training"}, {"val.cls.loss", "validation"}}},
          {"segmentation loss", {{"train.seg.loss", "training"}, {"val.seg.loss", "validation"}}},
          {"report loss", {{"train.rep.loss", "training"}, {"val.rep.loss", "validation"}}},
          {"validation task metrics", {{"val.cls.auroc_macro", "macro AUROC"}, {"val.seg.dice_mean", "mean Dice"}}, true}};
}

void plot_training_curves(const std::filesystem::path& metrics_jsonl, const std::filesystem::path& png) {
  std::map<std::string, Curve> series;
  io::for_each_json_line(metrics_jsonl, [&](const nlohmann::json& doc, int number) {
    if (!doc.contains("step") || !doc["step"].is_number()) throw Error("a metrics line needs a numeric step").file(metrics_jsonl.string()).line(number);
    const double step = doc["step"].get<double>();
    for (const auto& [key, value] : doc.items())
      if (key != "step" && value.is_number()) {
        series[key].x.push_back(step);
        series[key].y.push_back(value.get<double>());
      }
  });
  std::vector<CurvePanel> panels;  // only those with data: a single-task run has one loss panel
  for (const auto& panel : training_curve_panels()) {
    CurvePanel kept{panel.title, {}, panel.unit_range};
    for (const auto& s : panel.series)
      if (series.count(s.first)) kept.series.push_back(s);
    if (!kept.series.empty()) panels.push_back(kept);
  }
  if (panels.empty()) throw Error("no losses or validation metrics to plot").file(metrics_jsonl.string());
  const int columns = panels.size() > 1 ? 2 : 1;
  const int rows = static_cast<int>((panels.size() + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns));
  Figure fig(png, 600 * columns, 380 * rows, columns, rows);
  fig->init();
  const int colours[] = {9, 2};  // blue: training (or the first metric), red: validation
  for (const auto& panel : panels) {
    double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
    for (const auto& [key, _] : panel.series) {
      const auto& c = series.at(key);
      xmin = std::min(xmin, *std::min_element(c.x.begin(), c.x.end()));
      xmax = std::max(xmax, *std::max_element(c.x.begin(), c.x.end()));
      ymin = std::min(ymin, *std::min_element(c.y.begin(), c.y.end()));
      ymax = std::max(ymax, *std::max_element(c.y.begin(), c.y.end()));
    }
    if (panel.unit_range) ymin = 0, ymax = 1;
    const double pad = ymax > ymin ? (ymax - ymin) * 0.05 : std::max(std::abs(ymax) * 0.05, 1e-3);
    fig->col0(1);
    fig->env(xmin, xmax > xmin ? xmax : xmin + 1, ymin - pad, ymax + pad, 0, 0);
    fig->lab("update", "", panel.title.c_str());
    std::vector<std::string> texts;
    std::vector<int> used;
    for (std::size_t i = 0; i < panel.series.size(); ++i) {
      const auto& c = series.at(panel.series[i].first);
      fig->col0(colours[i % 2]);
      fig->width(2);
      fig->line(static_cast<PLINT>(c.x.size()), const_cast<PLFLT*>(c.x.data()), const_cast<PLFLT*>(c.y.data()));
      if (c.x.size() < 30) fig->poin(static_cast<PLINT>(c.x.size()), const_cast<PLFLT*>(c.x.data()), const_cast<PLFLT*>(c.y.data()), 17);
      fig->width(1);
      texts.push_back(panel.series[i].second);
      used.push_back(colours[i % 2]);
    }
    legend(*fig, texts, used, PL_POSITION_INSIDE | PL_POSITION_TOP | PL_POSITION_RIGHT);
  }
  fig.save();
}

void plot_example(const ExamplePanel& p, const std::filesystem::path& png) {
  if (p.slice.size() != static_cast<std::size_t>(p.height * p.width)) throw internal_error("example slice size mismatch");
  Figure fig(png, 1400, 700, 1, 1);
  fig->init();
  fig->adv(0);
  // Left: the slice, contours of truth (green) and prediction (red). Rows go downwards.
  fig->vpor(0.02, 0.48, 0.04, 0.88);
  fig->wind(0, static_cast<PLFLT>(p.width), 0, static_cast<PLFLT>(p.height));
  PLFLT** image = nullptr;
  fig->Alloc2dGrid(&image, static_cast<PLINT>(p.width), static_cast<PLINT>(p.height));
  for (std::int64_t y = 0; y < p.height; ++y)
    for (std::int64_t x = 0; x < p.width; ++x) image[x][p.height - 1 - y] = p.slice[static_cast<std::size_t>(y * p.width + x)];
  PLFLT pos[2] = {0, 1}, grey[2] = {0, 1};
  fig->scmap1l(true, 2, pos, grey, grey, grey, nullptr);
  // Grey levels span [0, 1] whatever the slice holds (plimage would stretch the slice's own range).
  fig->imagefr(image, static_cast<PLINT>(p.width), static_cast<PLINT>(p.height), 0, static_cast<PLFLT>(p.width), 0,
               static_cast<PLFLT>(p.height), 0, 1, 0, 1, nullptr, nullptr);
  auto contour = [&](const std::vector<std::uint8_t>& mask, int r, int g, int b) {
    if (mask.size() != p.slice.size()) return;
    for (std::int64_t y = 0; y < p.height; ++y)
      for (std::int64_t x = 0; x < p.width; ++x) image[x][p.height - 1 - y] = mask[static_cast<std::size_t>(y * p.width + x)] ? 1.0 : 0.0;
    fig->scol0(12, r, g, b);
    fig->col0(12);
    fig->width(2.5);
    PLFLT level = 0.5;
    // Cell centres at (x + 0.5, y + 0.5) in window coordinates.
    PLcGrid grid;
    std::vector<PLFLT> xg(static_cast<std::size_t>(p.width)), yg(static_cast<std::size_t>(p.height));
    for (std::int64_t x = 0; x < p.width; ++x) xg[static_cast<std::size_t>(x)] = static_cast<PLFLT>(x) + 0.5;
    for (std::int64_t y = 0; y < p.height; ++y) yg[static_cast<std::size_t>(y)] = static_cast<PLFLT>(y) + 0.5;
    grid.xg = xg.data();
    grid.yg = yg.data();
    grid.nx = static_cast<PLINT>(p.width);
    grid.ny = static_cast<PLINT>(p.height);
    fig->cont(image, static_cast<PLINT>(p.width), static_cast<PLINT>(p.height), 1, static_cast<PLINT>(p.width), 1,
              static_cast<PLINT>(p.height), &level, 1, pltr1, &grid);
    fig->width(1);
  };
  contour(p.truth, 0, 200, 0);
  contour(p.predicted, 230, 30, 30);
  fig->Free2dGrid(image, static_cast<PLINT>(p.width), static_cast<PLINT>(p.height));
  fig->col0(1);
  fig->schr(0, 0.8);
  fig->mtex("t", 2.2, 0.5, 0.5, p.title.c_str());
  fig->mtex("t", 0.8, 0.5, 0.5, "green: ground truth, red: prediction");

  // Right: the two reports, wrapped.
  fig->vpor(0.52, 0.98, 0.05, 0.95);
  fig->wind(0, 1, 0, 1);
  fig->schr(0, 0.8);
  double y = 0.97;
  auto paragraph = [&](const std::string& heading, const std::string& text) {
    fig->col0(1);
    fig->ptex(0, y, 1, 0, 0, (heading + ":").c_str());
    y -= 0.045;
    std::string line, word;
    auto flush = [&] {
      fig->ptex(0, y, 1, 0, 0, line.c_str());
      y -= 0.04;
      line.clear();
    };
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == ' ') {
        if (line.size() + word.size() + 1 > 52) flush();
        line += (line.empty() ? "" : " ") + word;
        word.clear();
      } else {
        word += text[i];
      }
    }
    if (!line.empty()) flush();
    y -= 0.04;
  };
  paragraph("Generated report", p.generated_report);
  paragraph("Reference report", p.reference_report);
  fig.save();
}

}  // namespace unict::eval

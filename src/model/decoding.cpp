#include "unict/model/decoding.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "unict/core/error.h"

namespace unict::model {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr std::int64_t kStopCheckInterval = 8;

void check_options(const ReportDecoderImpl& decoder, const DecodeOptions& options) {
  if (options.max_tokens < 1 || options.max_tokens > decoder.max_tokens())
    throw Error("decoding length is outside the decoder's positions")
        .key("decode.max_tokens")
        .value(std::to_string(options.max_tokens))
        .expected("1 to report_decoder.max_tokens = " + std::to_string(decoder.max_tokens()));
  if (options.beam_size < 1) throw Error("beam size must be positive").key("decode.beam_size").value(std::to_string(options.beam_size));
}

}  // namespace

Generated greedy_decode(ReportDecoderImpl& decoder, const at::Tensor& z_rep, const at::Tensor& slice_tokens, const DecodeOptions& options,
                        const at::Tensor& findings) {
  check_options(decoder, options);
  c10::InferenceMode inference;  // as generate(): no autograd bookkeeping per op
  const auto batch = z_rep.size(0);
  auto cache = decoder.start(z_rep, slice_tokens, findings);
  auto last = torch::full({batch}, options.bos, torch::TensorOptions().dtype(torch::kLong).device(z_rep.device()));
  auto finished = torch::zeros({batch}, torch::TensorOptions().dtype(torch::kBool).device(z_rep.device()));
  std::vector<at::Tensor> steps;
  for (std::int64_t t = 0; t < options.max_tokens; ++t) {
    last = decoder.step(cache, last).argmax(-1);
    steps.push_back(last);
    finished = finished | last.eq(options.eos);
    // Asking the device whether every sequence has ended costs a synchronisation: ask every few steps.
    if ((t + 1) % kStopCheckInterval == 0 && finished.all().item<bool>()) break;
  }
  const auto tokens = at::stack(steps, 1).to(torch::kCPU);  // [B, T]
  Generated out(static_cast<std::size_t>(batch));
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto* row = tokens[b].data_ptr<std::int64_t>();
    for (std::int64_t t = 0; t < tokens.size(1); ++t) {
      out[b].push_back(row[t]);
      if (row[t] == options.eos) break;
    }
  }
  return out;
}

Generated beam_search(ReportDecoderImpl& decoder, const at::Tensor& z_rep, const at::Tensor& slice_tokens, const DecodeOptions& options,
                      const at::Tensor& findings) {
  check_options(decoder, options);
  c10::InferenceMode inference;  // as generate(): no autograd bookkeeping per op
  const auto batch = z_rep.size(0), beams = options.beam_size, vocab = decoder.vocab_size();
  const auto device = z_rep.device();
  const auto longs = torch::TensorOptions().dtype(torch::kLong).device(device);
  const auto floats = torch::TensorOptions().dtype(torch::kFloat32).device(device);

  // Every volume's prefix once per beam: row b * beams + k.
  auto cache = decoder.start(z_rep.repeat_interleave(beams, 0), slice_tokens.repeat_interleave(beams, 0),
                             findings.defined() ? findings.repeat_interleave(beams, 0) : findings);
  // Only beam 0 is alive at first, so the first step draws `beams` distinct tokens from one hypothesis.
  auto scores = torch::full({batch, beams}, kNegInf, floats);
  scores.select(1, 0).fill_(0);
  auto finished = torch::zeros({batch, beams}, torch::TensorOptions().dtype(torch::kBool).device(device));
  auto lengths = torch::zeros({batch, beams}, floats);
  auto last = torch::full({batch * beams}, options.bos, longs);
  auto history = torch::empty({batch, beams, 0}, longs);  // tokens per beam; finished beams append EOS as padding
  const auto offsets = (torch::arange(batch, longs) * beams).unsqueeze(1);  // [B, 1]

  for (std::int64_t t = 0; t < options.max_tokens; ++t) {
    auto logp = at::log_softmax(decoder.step(cache, last).to(torch::kFloat32), -1).view({batch, beams, vocab});
    // A finished beam has one continuation, EOS at no cost: it keeps its score and stays one candidate.
    auto finished_row = torch::full({vocab}, kNegInf, floats);
    finished_row[options.eos] = 0;
    logp = torch::where(finished.unsqueeze(2), finished_row.view({1, 1, vocab}), logp);
    const auto candidate_scores = scores.unsqueeze(2) + logp;                          // [B, K, V]
    const auto candidate_lengths = (lengths + finished.logical_not().to(torch::kFloat32)).unsqueeze(2);
    auto ranked = options.length_penalty == 0 ? candidate_scores
                                              : candidate_scores / candidate_lengths.pow(options.length_penalty);
    const auto top = ranked.view({batch, beams * vocab}).topk(beams, 1);
    const auto flat = std::get<1>(top);                       // [B, K]
    const auto origin = flat.div(vocab, "floor"), token = flat.remainder(vocab);
    scores = candidate_scores.view({batch, beams * vocab}).gather(1, flat);
    const auto was_finished = finished.gather(1, origin);
    lengths = lengths.gather(1, origin) + was_finished.logical_not().to(torch::kFloat32);
    finished = was_finished | token.eq(options.eos);
    history = at::cat({history.gather(1, origin.unsqueeze(2).expand({batch, beams, history.size(2)})), token.unsqueeze(2)}, 2);
    cache.select((origin + offsets).view({-1}));
    last = token.view({-1});
    // Finished beams only extend with a free EOS, so running on past the end changes nothing.
    if ((t + 1) % kStopCheckInterval == 0 && finished.all().item<bool>()) break;
  }

  auto final_scores = options.length_penalty == 0 ? scores : scores / lengths.clamp_min(1).pow(options.length_penalty);
  const auto best_cpu = final_scores.argmax(1).to(torch::kCPU);
  const auto tokens_cpu = history.to(torch::kCPU);
  const auto lengths_cpu = lengths.to(torch::kCPU);
  const auto best = best_cpu.accessor<std::int64_t, 1>();
  const auto tokens = tokens_cpu.accessor<std::int64_t, 3>();
  const auto kept = lengths_cpu.accessor<float, 2>();
  Generated out(static_cast<std::size_t>(batch));
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto k = best[b];
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(kept[b][k]); ++i) out[b].push_back(tokens[b][k][i]);
  }
  return out;
}

}  // namespace unict::model

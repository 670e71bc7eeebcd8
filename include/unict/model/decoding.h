// Report generation from the report decoder: greedy and beam search, both batched over volumes
// and both stopping a sequence at EOS or after max_tokens tokens. With one beam, beam search picks
// the same token as greedy at every step, so it returns the same reports.
#pragma once

#include <cstdint>
#include <vector>

#include "unict/model/report_decoder.h"

namespace unict::model {

struct DecodeOptions {
  std::int64_t bos = 2, eos = 3;
  std::int64_t max_tokens = 200;  // generated tokens, EOS included
  std::int64_t beam_size = 1;
  double length_penalty = 1.0;    // beams ranked by log p / length^length_penalty
};

// Generated token ids per volume, without BOS, ending with EOS when one was generated.
using Generated = std::vector<std::vector<std::int64_t>>;

// findings: what a decoder built with findings reads (ReportDecoderImpl::forward); else undefined.
Generated greedy_decode(ReportDecoderImpl& decoder, const at::Tensor& z_rep, const at::Tensor& slice_tokens, const DecodeOptions& options,
                        const at::Tensor& findings = {});
Generated beam_search(ReportDecoderImpl& decoder, const at::Tensor& z_rep, const at::Tensor& slice_tokens, const DecodeOptions& options,
                      const at::Tensor& findings = {});

}  // namespace unict::model

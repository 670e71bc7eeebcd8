// The tokenization every report metric uses (BLEU, METEOR, ROUGE-L, CIDEr-D), in the spirit of
// pycocoevalcap's: lower case (ASCII), split on white space, punctuation removed. Punctuation is
// stripped from both ends of each token and a token made of punctuation only is dropped, so
// "effusion." -> "effusion", "(right)" -> "right", while "3.5", "x-ray" and "t2-weighted" stay whole.
#pragma once

#include <string>
#include <vector>

namespace unict::text {

std::vector<std::string> nlg_tokens(const std::string& text);

}  // namespace unict::text

// Training a byte-level BPE on text (the engine's own trainer, no third-party tokenizer).
//
// Algorithm (Sennrich et al. 2016, byte-level as in GPT-2): pre-tokenize every text
// (pretokenize.hpp) and count each distinct piece once with its frequency f_w. Each piece starts
// as its bytes. Repeat until the vocabulary has `vocab_size` tokens: count every adjacent pair
// over the pieces, c(x, y) = sum_w f_w * (occurrences of x y in w); take the pair with the largest
// count, ties broken by the smaller (left id, right id); append the merge x y -> xy (a new token
// unless the bytes xy are already a token) and replace x y by xy in every piece, left to right.
// Pair counts are updated incrementally, only for the pieces that contain the merged pair, and the
// best pair comes from a max-heap with lazy deletion, so training a few MB takes seconds.
// Stops early when no pair occurs at least twice.
//
// Ids: 0..255 are the bytes 0x00..0xFF, then the merged tokens in the order they were made, then
// the special tokens. Same texts and options give the same tokenizer, bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::text {

struct BpeTrainOptions {
  int32_t vocab_size = 2048;  // total, bytes + merged + special; 257 .. 65536
  std::vector<std::string> special_tokens = {"<|endoftext|>"};
};

// The special-token texts are cut out of the training text and never learned from.
Result<Tokenizer> train_bpe(const std::vector<std::string_view>& texts,
                            const BpeTrainOptions& options);

}  // namespace moe::text

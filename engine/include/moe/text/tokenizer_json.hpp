// tokenizer.json in the Hugging Face `tokenizers` format, so a checkpoint folder is a complete
// model folder other tools can read:
//   model: {"type": "BPE", "vocab": {byte-level token: id} (in id order), "merges": ["a b", ...]}
//   pre_tokenizer: Sequence [Split(kPretokenizePattern, Isolated), ByteLevel(use_regex false)]
//   decoder: ByteLevel; added_tokens: the special tokens; normalizer, post_processor: null.
// Reading accepts merges as "a b" strings or [a, b] pairs (both versions of the format) and only
// the pre-tokenizer this engine implements; everything else gives an Error naming the field.
#pragma once

#include <string>
#include <string_view>

#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::text {

// The tokenizer as tokenizer.json text (deterministic: same tokenizer, same bytes).
std::string tokenizer_to_json(const Tokenizer& tokenizer);

// Reads tokenizer.json text (at most 64 MiB); errors name the field, e.g.
// `model.merges[12]: "Ġq" is not in model.vocab`.
Result<Tokenizer> tokenizer_from_json(std::string_view text);

}  // namespace moe::text

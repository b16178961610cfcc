// A tiny language model with a tokenizer, for the evaluation and `moe lm eval|analyze` tests: a
// byte-level BPE trained on a few lines, and a seeded model whose vocabulary covers it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "lm/lm_test_support.hpp"
#include "moe/lm/lm_config.hpp"
#include "moe/text/bpe_train.hpp"

namespace moe_test {

inline const std::string kProseText =
    "In the beginning the light was good, and the evening and the morning were the first day.\n"
    "<|endoftext|>And the earth brought forth grass, and the herb yielding seed after his kind.\n";
inline const std::string kCodeText =
    "def add(a, b):\n    return a + b\n<|endoftext|>class Box:\n    def __init__(self):\n"
    "        self.items = []\n";

inline moe::text::Tokenizer tiny_tokenizer() {
  moe::text::BpeTrainOptions o;
  o.vocab_size = 300;
  auto tok = moe::text::train_bpe({kProseText, kCodeText}, o);
  REQUIRE(tok.ok());
  return std::move(tok.value());
}

// L 2, E 4, k 2, d 16, context 16; vocab_size covers the tokenizer's ids.
inline moe::lm::LmConfig tiny_text_config(int vocab_size) {
  return tiny_lm_config({.vocab = vocab_size, .hidden = 16, .ffn = 8, .context = 16});
}

}  // namespace moe_test

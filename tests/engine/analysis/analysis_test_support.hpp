// A tiny language model with a tokenizer, for the evaluation and `moe lm eval|analyze` tests: a
// byte-level BPE trained on a few lines, and a seeded model whose vocabulary covers it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

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
  moe::lm::LmConfig c;
  c.vocab_size = vocab_size;
  c.hidden_size = 16;
  c.intermediate_size = 8;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 8;
  c.num_local_experts = 4;
  c.num_experts_per_tok = 2;
  c.max_position_embeddings = 16;
  return c;
}

}  // namespace moe_test

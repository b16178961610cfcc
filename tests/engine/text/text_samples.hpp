// Shared by the tokenizer tests: a small English + Python + arithmetic sample (written for these
// tests) and one tokenizer trained on it once, so every test stays fast.
#pragma once

#include <string>

#include "moe/text/bpe_train.hpp"

namespace moe_test {

inline const std::string& text_sample() {
  static const std::string text = [] {
    const std::string prose =
        "The river ran past the mill and the miller watched the water turn the wheel. "
        "In the morning the town woke to the sound of the bell, and the baker opened the door "
        "of the shop to the street. The children ran to the school on the hill, and the teacher "
        "wrote the lesson of the day on the board: the names of the stars and the story of the "
        "sea. When the evening came the lamps were lit along the road, and the people went home "
        "to their houses by the light of the moon.\n";
    const std::string code =
        "class Counter:\n"
        "    def __init__(self, start=0):\n"
        "        self.value = start\n"
        "\n"
        "    def add(self, amount):\n"
        "        self.value += amount\n"
        "        return self.value\n"
        "\n"
        "    def reset(self):\n"
        "        self.value = 0\n"
        "\n"
        "def main(argv):\n"
        "    counter = Counter(3)\n"
        "    for item in argv:\n"
        "        counter.add(len(item))\n"
        "    return counter.value\n";
    const std::string sums =
        "What is 37 + 85? 122\nWhat is 9 * 7? 63\nWhat is 140 - 56? 84\nWhat is 12 + 30? 42\n";
    std::string all;
    for (int i = 0; i < 4; ++i) all += prose + code + sums;
    return all;
  }();
  return text;
}

// Trained on text_sample() with 400 tokens (256 bytes, 143 merges at most, <|endoftext|>).
inline const moe::text::Tokenizer& sample_tokenizer() {
  static const moe::text::Tokenizer t = [] {
    moe::text::BpeTrainOptions options;
    options.vocab_size = 400;
    return moe::text::train_bpe({text_sample()}, options).value();
  }();
  return t;
}

}  // namespace moe_test

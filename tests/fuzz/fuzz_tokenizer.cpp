// libFuzzer target: the tokenizer.json reader and byte-level BPE encode/decode.
// Input starting with '{': tokenizer.json text -> `tokenizer_from_json` must give a Tokenizer or an
// Error with a field and a reason; a tokenizer that loads must round-trip its own JSON and a fixed
// text. Any other input: bytes encoded by a small tokenizer trained at start-up must decode back
// to the same bytes. Seeds: a trained tokenizer.json and its variants (scripts/fuzz.mjs).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_checks.hpp"
#include "moe/text/bpe_train.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace {

const moe::text::Tokenizer& small_tokenizer() {
  static const moe::text::Tokenizer t = [] {
    const std::string text =
        "In the beginning God created the heaven and the earth. And the earth was without form.\n"
        "def main(self, path):\n    return self.read(path) + 1  # the end\n"
        "What is 37 + 85? 122\nWhat is 9 * 7? 63\n<|endoftext|>";
    moe::text::BpeTrainOptions options;
    options.vocab_size = 400;
    return moe::text::train_bpe({text}, options).value();
  }();
  return t;
}

void expect_round_trip(const moe::text::Tokenizer& t, std::string_view bytes) {
  const auto back = t.decode(t.encode(bytes));
  if (!back.ok() || back.value() != bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = input_text(data, size);
  if (!input.empty() && input[0] == '{') {
    auto t = moe::text::tokenizer_from_json(input);
    if (!ok_or_named(t)) return 0;
    // A loaded tokenizer saves to JSON that loads to the same tokenizer.
    const std::string saved = moe::text::tokenizer_to_json(t.value());
    auto again = moe::text::tokenizer_from_json(saved);
    if (!again.ok() || moe::text::tokenizer_to_json(again.value()) != saved) __builtin_trap();
    expect_round_trip(t.value(), "Hello, world! 12 + 30 = 42\n\tdef f(x): return x\r\n\xff\xfe");
    return 0;
  }
  expect_round_trip(small_tokenizer(), input);
  return 0;
}

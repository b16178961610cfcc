// The pre-tokenizer: text is cut into pieces before BPE, and merges never cross a piece boundary,
// so tokens stay word pieces a learner can read (" the", " God", "def", " self", "):").
//
// Character classes (on bytes; every byte >= 0x80 counts as a letter, so a UTF-8 character is
// never split and any non-ASCII script forms words):
//   S space   0x09-0x0D and 0x20          D digit   0-9
//   L letter  A-Z, a-z and bytes >= 0x80   P other   every remaining ASCII byte (punctuation,
//                                                    symbols, control characters, NUL)
// At each position the first rule that matches takes the longest run it can:
//   1. an English contraction: 's 't 'd 'm 'll 've 're
//   2. an optional space, then a run of L            (" the", "God", " naïve")
//   3. an optional space, then ONE digit             (" 3", "7": numbers are split into digits)
//   4. an optional space, then a run of P            (" +", "):", " ==")
//   5. a run of S that is followed by a non-S byte, minus its last byte when the run is at least
//      two long (so the last space joins the next word, as in GPT-2: "\n    " + " def")
//   6. the run of S
//
// kPretokenizePattern is the same rule set as the regular expression that tokenizer.json carries
// (a Hugging Face `Split` pre-tokenizer, behavior "Isolated"). On valid UTF-8 the two give the
// same pieces: the pattern names only ASCII, and any non-ASCII code point falls in the letter class
// by the negated class [^\x00-\x40\x5B-\x60\x7B-\x7F]. Where this differs from GPT-2's pattern (a
// design choice, not a mismatch): Unicode punctuation, digits and spaces (U+2014, U+0663, U+00A0)
// are letters here. Invalid UTF-8 has no regex meaning (Hugging Face only takes valid strings);
// here its bytes are letters like any byte >= 0x80.
#pragma once

#include <string_view>
#include <vector>

namespace moe::text {

inline constexpr std::string_view kPretokenizePattern =
    R"('(?:[sdmt]|ll|ve|re)| ?[^\x00-\x40\x5B-\x60\x7B-\x7F]+| ?[0-9]|)"
    R"( ?[\x00-\x08\x0E-\x1F\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+|)"
    R"([\x09-\x0D\x20]+(?![^\x09-\x0D\x20])|[\x09-\x0D\x20]+)";

// Appends the pieces of `text` to `out`, in order; they are views into `text` and concatenate back
// to it exactly. Linear in the length of the text.
void pretokenize(std::string_view text, std::vector<std::string_view>& out);

}  // namespace moe::text

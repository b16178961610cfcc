// An interpretable token embedding: text -> tokens -> one named, human-readable feature per
// dimension, so a learner can see why the router sends a token where it goes.
//
// Tokeniser: whitespace separates; a word is a run of letters (ASCII letters and every non-ASCII
// UTF-8 byte) with apostrophes allowed between letters ("don't"); a number is a run of digits
// with single '.' or ',' allowed between digits ("3.14", "1,000"); any other character is a
// one-character punctuation token.
//
// Features of token t of T (a token's characters counted as UTF-8 code points):
//   digit          share of its characters that are ASCII digits
//   punct          share of its characters that are ASCII punctuation
//   capital        1 if its first character is an uppercase ASCII letter
//   length         min(characters / 10, 1)
//   vowels         vowels (aeiou) among its letters, 0 if it has no letters
//   position       t / (T - 1), 0 when T = 1
//   function_word  1 if its lowercase form is one of ~45 English function words (the, a, of ...)
//   bias           1
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "moe/result.hpp"

namespace moe {

inline constexpr int kEmbedFeatures = 8;  // F
inline constexpr std::array<std::string_view, kEmbedFeatures> kEmbedFeatureNames = {
    "digit", "punct", "capital", "length", "vowels", "position", "function_word", "bias"};
inline constexpr size_t kMaxEmbedBytes = 64 * 1024;  // text longer than 64 KiB is refused
inline constexpr size_t kMaxEmbedTokens = 4096;      // as is text with more tokens

struct Embedding {
  std::vector<std::string> tokens;  // [T]
  std::vector<float> features;      // [T, F]
};

// The tokens of `text` (see the file comment), without limits.
std::vector<std::string> embed_tokenize(std::string_view text);

// tokens and features[t, f]; errors `text: ...` above the caps. Empty text gives T = 0.
Result<Embedding> embed_text(std::string_view text);

}  // namespace moe

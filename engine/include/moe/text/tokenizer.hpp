// A byte-level BPE tokenizer (GPT-2 style): text -> pre-tokenizer pieces (pretokenize.hpp) -> the
// bytes of each piece -> merges applied by rank -> token ids. Every byte is a token, so any byte
// string encodes, and decode(encode(bytes)) == bytes for all bytes.
//
// Encoding one piece, the math of BPE with ranked merges: start from its bytes b_0..b_{n-1} as
// tokens; while some adjacent pair (x, y) has a merge rule, take the rule of lowest rank (ties:
// the leftmost pair) and replace x y by its result token. Same result as Hugging Face's BPE model.
//
// Special tokens (e.g. "<|endoftext|>") are cut out of the text before pre-tokenizing, as Hugging
// Face's added tokens are: the earliest occurrence wins, then the longest content.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "moe/result.hpp"

namespace moe::text {

// Refused above these (tokenizer.json or training): a vocabulary or merge list this big is not a
// tokenizer this engine will ever train, and a limit keeps a hostile file from exhausting memory.
inline constexpr int32_t kMaxVocab = 1 << 18;
inline constexpr int32_t kMaxMerges = 1 << 18;

struct MergeRule {
  int32_t left = 0, right = 0;  // the pair of token ids it merges
};

// What a tokenizer is made of, as read from tokenizer.json or produced by training.
struct TokenizerParts {
  std::vector<std::string> tokens;  // [vocab] the bytes of token id i (a special token: its text)
  std::vector<bool> special;        // [vocab] true for special (added) tokens
  std::vector<MergeRule> merges;    // [merges] in rank order: rank r is merges[r]
};

class Tokenizer {
 public:
  // Checks the invariants and builds the lookup tables. Errors name the tokenizer.json field:
  // `model.vocab` (empty, too big, a byte without a token, duplicate bytes), `model.merges[r]`
  // (an id out of range, a pair that repeats, a result that is not a token), `added_tokens`.
  static Result<Tokenizer> build(TokenizerParts parts);

  // Token ids of `text` (any bytes).
  std::vector<int32_t> encode(std::string_view text) const;
  // The bytes of `ids` joined; `ids[i]: ...` when an id is not in the vocabulary.
  Result<std::string> decode(std::span<const int32_t> ids) const;

  int32_t vocab_size() const { return static_cast<int32_t>(parts_.tokens.size()); }
  const std::string& token_bytes(int32_t id) const { return parts_.tokens[id]; }
  bool is_special(int32_t id) const { return parts_.special[id]; }
  // Id of a token whose bytes are exactly `bytes`, or -1.
  int32_t token_id(std::string_view bytes) const;
  const TokenizerParts& parts() const { return parts_; }

 private:
  struct Rule {
    int32_t rank, result;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  // Appends the ids of one pre-tokenizer piece.
  void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;
  void encode_plain(std::string_view text, std::vector<int32_t>& out) const;

  TokenizerParts parts_;
  std::array<int32_t, 256> byte_token_{};         // byte -> its single-byte token
  std::unordered_map<uint64_t, Rule> rules_;      // (left, right) -> rank and result
  std::unordered_map<std::string, int32_t> ids_;  // token bytes -> id (non-special)
  std::vector<int32_t> specials_;                 // ids of special tokens
};

}  // namespace moe::text

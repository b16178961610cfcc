// Byte-level BPE encode and decode (tokenizer.hpp).
#include "moe/text/tokenizer.hpp"

#include <queue>

#include "moe/text/byte_level.hpp"
#include "moe/text/pretokenize.hpp"

namespace moe::text {
namespace {

std::string quoted_hex(std::string_view bytes) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : bytes) {
    const auto b = static_cast<uint8_t>(ch);
    if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 15]);
    }
  }
  return "\"" + out + "\"";
}

}  // namespace

Result<Tokenizer> Tokenizer::build(TokenizerParts parts) {
  const auto vocab = static_cast<int64_t>(parts.tokens.size());
  if (vocab == 0) return Error{"model.vocab", "is empty"};
  if (vocab > kMaxVocab) {
    return Error{"model.vocab", "has " + std::to_string(vocab) + " tokens, more than the limit " +
                                    std::to_string(kMaxVocab)};
  }
  if (static_cast<int64_t>(parts.special.size()) != vocab) {
    return Error{"added_tokens", "special flags do not cover the vocabulary"};
  }
  if (static_cast<int64_t>(parts.merges.size()) > kMaxMerges) {
    return Error{"model.merges", "has " + std::to_string(parts.merges.size()) +
                                     " merges, more than the limit " + std::to_string(kMaxMerges)};
  }
  Tokenizer t;
  t.byte_token_.fill(-1);
  for (int32_t id = 0; id < vocab; ++id) {
    const std::string& bytes = parts.tokens[id];
    if (bytes.empty()) return Error{"model.vocab", "token id " + std::to_string(id) + " is empty"};
    if (parts.special[id]) {
      t.specials_.push_back(id);
      continue;
    }
    if (!t.ids_.emplace(bytes, id).second) {
      return Error{"model.vocab", "ids " + std::to_string(t.ids_[bytes]) + " and " +
                                      std::to_string(id) + " are the same bytes " +
                                      quoted_hex(bytes)};
    }
    if (bytes.size() == 1) t.byte_token_[static_cast<uint8_t>(bytes[0])] = id;
  }
  for (int b = 0; b < 256; ++b) {
    if (t.byte_token_[b] < 0) {
      return Error{"model.vocab", "byte " + quoted_hex(std::string(1, static_cast<char>(b))) +
                                      " has no token; a byte-level vocabulary needs all 256"};
    }
  }
  // tokenizer.json keys the vocab by text: a special token must not share its text with another
  // special token or with a byte-level token (special "\xC4\xA0" and token " " are both "Ġ").
  std::unordered_map<std::string, int32_t> special_ids;
  for (int32_t id : t.specials_) {
    const std::string& text = parts.tokens[id];
    const auto as_bytes = byte_level_to_bytes(text);
    const int32_t other = as_bytes ? t.token_id(*as_bytes) : -1;
    const auto [pos, fresh] = special_ids.emplace(text, id);
    if (other >= 0 || !fresh) {
      return Error{"added_tokens", "special token " + quoted_hex(text) + " (id " +
                                       std::to_string(id) + ") has the same text as token id " +
                                       std::to_string(other >= 0 ? other : pos->second)};
    }
  }
  for (size_t r = 0; r < parts.merges.size(); ++r) {
    const std::string where = "model.merges[" + std::to_string(r) + "]";
    const MergeRule m = parts.merges[r];
    for (int32_t side : {m.left, m.right}) {
      if (side < 0 || side >= vocab || parts.special[side]) {
        return Error{where, "token id " + std::to_string(side) + " is not a vocabulary token"};
      }
    }
    const std::string merged = parts.tokens[m.left] + parts.tokens[m.right];
    const auto it = t.ids_.find(merged);
    if (it == t.ids_.end()) {
      return Error{where, "the merged token " + quoted_hex(merged) + " is not in model.vocab"};
    }
    const auto [pos, fresh] =
        t.rules_.emplace(pair_key(m.left, m.right), Rule{static_cast<int32_t>(r), it->second});
    if (!fresh) {
      return Error{where, "repeats model.merges[" + std::to_string(pos->second.rank) + "]"};
    }
  }
  t.parts_ = std::move(parts);
  return t;
}

int32_t Tokenizer::token_id(std::string_view bytes) const {
  const auto it = ids_.find(std::string(bytes));
  return it == ids_.end() ? -1 : it->second;
}

void Tokenizer::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
  const auto n = static_cast<int32_t>(piece.size());
  // The piece as a linked list of tokens: ids [n], next/prev [n] (-1: none), merged-away slots
  // have alive == 0. A merge keeps the left slot, so a slot index is a stable position.
  std::vector<int32_t> ids(n), next(n), prev(n);
  std::vector<uint8_t> alive(n, 1);
  for (int32_t i = 0; i < n; ++i) {
    ids[i] = byte_token_[static_cast<uint8_t>(piece[i])];
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // Candidate merges, lowest rank first, then leftmost; an entry is stale once its pair changed.
  struct Candidate {
    int32_t rank, pos, left, right;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  const auto offer = [&](int32_t pos) {
    if (pos < 0 || next[pos] < 0) return;
    const auto it = rules_.find(pair_key(ids[pos], ids[next[pos]]));
    if (it != rules_.end()) heap.push({it->second.rank, pos, ids[pos], ids[next[pos]]});
  };
  for (int32_t i = 0; i + 1 < n; ++i) offer(i);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    const int32_t right = next[c.pos];
    if (!alive[c.pos] || right < 0 || ids[c.pos] != c.left || ids[right] != c.right) continue;
    ids[c.pos] = rules_.at(pair_key(c.left, c.right)).result;
    alive[right] = 0;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    offer(prev[c.pos]);
    offer(c.pos);
  }
  for (int32_t i = 0; i >= 0 && i < n; i = next[i]) out.push_back(ids[i]);
}

void Tokenizer::encode_plain(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<std::string_view> pieces;
  pretokenize(text, pieces);
  // Most pieces repeat (words): remember short ones for the length of this call.
  std::unordered_map<std::string_view, std::pair<size_t, size_t>> seen;  // piece -> span in out
  for (std::string_view piece : pieces) {
    if (piece.size() == 1) {
      out.push_back(byte_token_[static_cast<uint8_t>(piece[0])]);
      continue;
    }
    const bool cacheable = piece.size() <= 64;
    if (cacheable) {
      const auto it = seen.find(piece);
      if (it != seen.end()) {
        const auto [from, count] = it->second;
        for (size_t k = 0; k < count; ++k) {
          const int32_t id = out[from + k];
          out.push_back(id);
        }
        continue;
      }
    }
    const size_t from = out.size();
    encode_piece(piece, out);
    if (cacheable) seen.emplace(piece, std::pair{from, out.size() - from});
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 1);
  // next_at[s]: where special token s next occurs at or after `at` (npos: never again).
  std::vector<size_t> next_at(specials_.size());
  for (size_t s = 0; s < specials_.size(); ++s) next_at[s] = text.find(parts_.tokens[specials_[s]]);
  size_t at = 0;
  while (at < text.size()) {
    // The next special token: earliest start, then longest.
    size_t best_pos = std::string_view::npos;
    int32_t best_id = -1;
    for (size_t s = 0; s < specials_.size(); ++s) {
      const std::string& content = parts_.tokens[specials_[s]];
      if (next_at[s] != std::string_view::npos && next_at[s] < at)
        next_at[s] = text.find(content, at);
      if (next_at[s] == std::string_view::npos) continue;
      if (next_at[s] < best_pos ||
          (next_at[s] == best_pos && content.size() > parts_.tokens[best_id].size())) {
        best_pos = next_at[s];
        best_id = specials_[s];
      }
    }
    const size_t end = best_id < 0 ? text.size() : best_pos;
    encode_plain(text.substr(at, end - at), out);
    if (best_id < 0) break;
    out.push_back(best_id);
    at = best_pos + parts_.tokens[best_id].size();
  }
  return out;
}

Result<std::string> Tokenizer::decode(std::span<const int32_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab_size()) {
      return Error{"ids[" + std::to_string(i) + "]", std::to_string(ids[i]) +
                                                         " is not a token id (vocabulary size " +
                                                         std::to_string(vocab_size()) + ")"};
    }
    out += parts_.tokens[ids[i]];
  }
  return out;
}

}  // namespace moe::text

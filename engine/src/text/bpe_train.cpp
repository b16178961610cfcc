// The BPE trainer of bpe_train.hpp: distinct pieces with frequencies, incremental pair counts,
// a lazy max-heap for the best pair.
#include "moe/text/bpe_train.hpp"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "moe/text/pretokenize.hpp"

namespace moe::text {
namespace {

using PairKey = uint64_t;  // left id in the high 32 bits, right id in the low 32 bits

PairKey key_of(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
int32_t left_of(PairKey k) {
  return static_cast<int32_t>(k >> 32);
}
int32_t right_of(PairKey k) {
  return static_cast<int32_t>(k & 0xFFFFFFFFu);
}

struct Word {
  std::vector<int32_t> symbols;  // [length] current token ids of this distinct piece
  int64_t count = 0;             // how often the piece occurs in the texts
};

// Heap entry: a pair and its count when pushed. Larger count first; on equal counts the smaller
// key, i.e. the smaller (left id, right id), comes first.
struct Candidate {
  int64_t count;
  PairKey key;
  bool operator<(const Candidate& o) const {
    return count != o.count ? count < o.count : key > o.key;
  }
};

// Cuts the special-token texts out of `text` and counts the pre-tokenizer pieces of the rest.
void count_pieces(std::string_view text, const std::vector<std::string>& specials,
                  std::unordered_map<std::string_view, int64_t>& counts,
                  std::vector<std::string_view>& scratch) {
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.size(), skip = 0;
    for (const std::string& s : specials) {
      const size_t pos = text.find(s, at);
      if (pos < end) end = pos, skip = s.size();
    }
    scratch.clear();
    pretokenize(text.substr(at, end - at), scratch);
    for (std::string_view piece : scratch) ++counts[piece];
    if (skip == 0) break;
    at = end + skip;
  }
}

}  // namespace

Result<Tokenizer> train_bpe(const std::vector<std::string_view>& texts,
                            const BpeTrainOptions& options) {
  const int32_t n_special = static_cast<int32_t>(options.special_tokens.size());
  const int32_t lo = 256 + n_special, hi = 65536;
  if (options.vocab_size < lo || options.vocab_size > hi) {
    return Error{"vocab_size", "must be between " + std::to_string(lo) + " and " +
                                   std::to_string(hi) + ", got " +
                                   std::to_string(options.vocab_size)};
  }
  for (size_t s = 0; s < options.special_tokens.size(); ++s) {
    if (options.special_tokens[s].empty()) {
      return Error{"special_tokens[" + std::to_string(s) + "]", "must not be empty"};
    }
  }

  // 1. Distinct pieces with their frequencies, sorted by bytes so every later step is ordered.
  std::unordered_map<std::string_view, int64_t> counts;
  std::vector<std::string_view> scratch;
  for (std::string_view text : texts) count_pieces(text, options.special_tokens, counts, scratch);
  std::vector<std::pair<std::string_view, int64_t>> distinct(counts.begin(), counts.end());
  std::sort(distinct.begin(), distinct.end());
  std::vector<Word> words(distinct.size());
  for (size_t w = 0; w < distinct.size(); ++w) {
    for (char ch : distinct[w].first) words[w].symbols.push_back(static_cast<uint8_t>(ch));
    words[w].count = distinct[w].second;
  }

  TokenizerParts parts;
  for (int b = 0; b < 256; ++b) parts.tokens.emplace_back(1, static_cast<char>(b));
  std::unordered_map<std::string, int32_t> id_of;
  for (int b = 0; b < 256; ++b) id_of.emplace(parts.tokens[b], b);

  // 2. Pair counts c(x, y) and, per pair, the pieces it may occur in (may hold stale entries).
  std::unordered_map<PairKey, int64_t> pair_count;
  std::unordered_map<PairKey, std::vector<int32_t>> pair_words;
  for (int32_t w = 0; w < static_cast<int32_t>(words.size()); ++w) {
    const auto& s = words[w].symbols;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      const PairKey k = key_of(s[i], s[i + 1]);
      pair_count[k] += words[w].count;
      auto& list = pair_words[k];
      if (list.empty() || list.back() != w) list.push_back(w);
    }
  }
  std::priority_queue<Candidate> heap;
  {
    std::vector<Candidate> all;
    for (const auto& [k, c] : pair_count) all.push_back({c, k});
    std::sort(all.begin(), all.end());  // the heap's contents do not depend on hash order
    for (const Candidate& c : all) heap.push(c);
  }

  // 3. Merge the best pair until the vocabulary is full or no pair occurs twice.
  const int32_t target = options.vocab_size - n_special;
  std::vector<PairKey> changed;
  while (static_cast<int32_t>(parts.tokens.size()) < target && !heap.empty()) {
    const Candidate best = heap.top();
    heap.pop();
    const auto live = pair_count.find(best.key);
    if (live == pair_count.end() || live->second != best.count) continue;  // stale entry
    if (best.count < 2) break;
    const int32_t left = left_of(best.key), right = right_of(best.key);
    if (parts.merges.size() >= static_cast<size_t>(kMaxMerges)) break;
    std::string merged = parts.tokens[left] + parts.tokens[right];
    auto [slot, fresh] = id_of.emplace(merged, static_cast<int32_t>(parts.tokens.size()));
    const int32_t result = slot->second;
    if (fresh) parts.tokens.push_back(std::move(merged));
    parts.merges.push_back({left, right});

    std::vector<int32_t> affected = std::move(pair_words[best.key]);
    pair_words.erase(best.key);
    std::sort(affected.begin(), affected.end());
    affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
    changed.clear();
    for (int32_t w : affected) {
      auto& s = words[w].symbols;
      const int64_t f = words[w].count;
      bool has = false;
      for (size_t i = 0; i + 1 < s.size() && !has; ++i) has = s[i] == left && s[i + 1] == right;
      if (!has) continue;
      // Take the piece's pairs out, merge left to right, put the new pairs back in.
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        const PairKey k = key_of(s[i], s[i + 1]);
        pair_count[k] -= f;
        changed.push_back(k);
      }
      size_t out = 0;
      for (size_t i = 0; i < s.size(); ++out) {
        if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
          s[out] = result;
          i += 2;
        } else {
          s[out] = s[i];
          i += 1;
        }
      }
      s.resize(out);
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        const PairKey k = key_of(s[i], s[i + 1]);
        pair_count[k] += f;
        changed.push_back(k);
        if (s[i] == result || s[i + 1] == result) {
          auto& list = pair_words[k];
          if (list.empty() || list.back() != w) list.push_back(w);
        }
      }
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (PairKey k : changed) {
      const auto it = pair_count.find(k);
      if (it->second > 0) {
        heap.push({it->second, k});
      } else {
        pair_count.erase(it);
      }
    }
  }

  parts.special.assign(parts.tokens.size(), false);
  for (const std::string& s : options.special_tokens) {
    parts.tokens.push_back(s);
    parts.special.push_back(true);
  }
  return Tokenizer::build(std::move(parts));
}

}  // namespace moe::text

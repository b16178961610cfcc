// Byte-level BPE: training matches a plain recount-every-step reference trainer, encoding matches
// a plain "merge the lowest-rank pair" reference encoder, pieces are readable word pieces, and
// training is deterministic.
#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/text/bpe_train.hpp"
#include "moe/text/pretokenize.hpp"
#include "moe/text/tokenizer_json.hpp"
#include "text_samples.hpp"

namespace {

using moe::text::Tokenizer;
using moe_test::sample_tokenizer;
using moe_test::text_sample;

// Reference trainer: every step recounts every pair over all distinct pieces; the largest count
// wins, ties to the smaller (left, right). Returns the merges as (left, right) id pairs.
std::vector<std::pair<int, int>> reference_merges(const std::string& text, int vocab_size) {
  std::vector<std::string_view> pieces;
  moe::text::pretokenize(text, pieces);
  std::map<std::string, long> counts;
  for (auto p : pieces) ++counts[std::string(p)];
  std::vector<std::pair<std::vector<int>, long>> words;
  for (const auto& [w, c] : counts) {
    std::vector<int> s;
    for (char ch : w) s.push_back(static_cast<unsigned char>(ch));
    words.push_back({s, c});
  }
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.emplace_back(1, static_cast<char>(b));
  std::vector<std::pair<int, int>> merges;
  while (static_cast<int>(tokens.size()) < vocab_size - 1) {  // one id for <|endoftext|>
    std::map<std::pair<int, int>, long> pairs;
    for (const auto& [s, c] : words) {
      for (size_t i = 0; i + 1 < s.size(); ++i) pairs[{s[i], s[i + 1]}] += c;
    }
    std::pair<int, int> best{-1, -1};
    long best_count = 0;
    for (const auto& [p, c] : pairs) {  // map order: ascending (left, right), so > keeps the first
      if (c > best_count) best = p, best_count = c;
    }
    if (best_count < 2) break;
    const std::string merged = tokens[best.first] + tokens[best.second];
    int id = static_cast<int>(std::find(tokens.begin(), tokens.end(), merged) - tokens.begin());
    if (id == static_cast<int>(tokens.size())) tokens.push_back(merged);
    merges.push_back(best);
    for (auto& [s, c] : words) {
      std::vector<int> out;
      for (size_t i = 0; i < s.size();) {
        if (i + 1 < s.size() && s[i] == best.first && s[i + 1] == best.second) {
          out.push_back(id);
          i += 2;
        } else {
          out.push_back(s[i++]);
        }
      }
      s = out;
    }
  }
  return merges;
}

// Reference encoder: per piece, merge the lowest-rank adjacent pair (leftmost on ties) until none.
std::vector<int32_t> reference_encode(const Tokenizer& t, const std::string& text) {
  const auto& merges = t.parts().merges;
  std::vector<std::string_view> pieces;
  moe::text::pretokenize(text, pieces);
  std::vector<int32_t> out;
  for (auto piece : pieces) {
    std::vector<int32_t> s;
    for (char ch : piece) s.push_back(t.token_id(std::string(1, ch)));
    for (;;) {
      size_t best_at = 0, best_rank = merges.size();
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        for (size_t r = 0; r < best_rank; ++r) {
          if (merges[r].left == s[i] && merges[r].right == s[i + 1]) {
            best_rank = r, best_at = i;
            break;
          }
        }
      }
      if (best_rank == merges.size()) break;
      const auto m = merges[best_rank];
      s[best_at] = t.token_id(t.token_bytes(m.left) + t.token_bytes(m.right));
      s.erase(s.begin() + static_cast<long>(best_at) + 1);
    }
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<std::string> pieces(const Tokenizer& t, const std::string& text) {
  std::vector<std::string> out;
  for (int32_t id : t.encode(text)) out.push_back(t.token_bytes(id));
  return out;
}

}  // namespace

TEST_CASE("bpe train: the same merges as the recount-every-step reference") {
  const Tokenizer& t = sample_tokenizer();
  const auto expected = reference_merges(text_sample(), 400);
  const auto& got = t.parts().merges;
  REQUIRE(got.size() == expected.size());
  for (size_t r = 0; r < got.size(); ++r) {
    INFO("merge " << r);
    CHECK(got[r].left == expected[r].first);
    CHECK(got[r].right == expected[r].second);
  }
  CHECK(t.vocab_size() == 400);
  CHECK(t.is_special(399));
  CHECK(t.token_bytes(399) == "<|endoftext|>");
  for (int b = 0; b < 256; ++b) CHECK(t.token_id(std::string(1, static_cast<char>(b))) == b);
}

TEST_CASE("bpe encode: the same ids as the lowest-rank-first reference encoder") {
  const Tokenizer& t = sample_tokenizer();
  CHECK(t.encode(text_sample()) == reference_encode(t, text_sample()));
  std::mt19937 rng(3);
  const std::string alphabet = "the miller self def ()=:+0123456789\n\t'sll aaaa";
  for (int c = 0; c < 300; ++c) {
    std::string text(rng() % 80, ' ');
    for (char& ch : text) ch = alphabet[rng() % alphabet.size()];
    INFO("text: \"" << text << "\"");
    REQUIRE(t.encode(text) == reference_encode(t, text));
  }
}

TEST_CASE("bpe: common words and keywords become single readable tokens") {
  const Tokenizer& t = sample_tokenizer();
  for (const char* word : {" the", "The", " and", "def", " self", " return", "value", "   "}) {
    INFO("word: \"" << std::string(word) << "\"");
    CHECK(pieces(t, word) == std::vector<std::string>{word});
  }
  // " add" occurs in 4 of the sample's lines only: it stays two pieces at this vocabulary size.
  CHECK(pieces(t, "    def add(self, amount):") ==
        std::vector<std::string>{"   ", " def", " a", "dd", "(", "self", ",", " amount", "):"});
  // Numbers are digits: a space may lead the first one, nothing merges across digits.
  CHECK(pieces(t, "What is 37 + 85? 122") ==
        std::vector<std::string>{"What", " is", " 3", "7", " +", " 8", "5", "?", " 1", "2", "2"});
}

TEST_CASE("bpe: training twice gives the same tokenizer.json bytes; different text differs") {
  moe::text::BpeTrainOptions options;
  options.vocab_size = 330;
  const auto a = moe::text::train_bpe({text_sample()}, options);
  const auto b = moe::text::train_bpe({text_sample()}, options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const std::string json_a = moe::text::tokenizer_to_json(a.value());
  CHECK(json_a == moe::text::tokenizer_to_json(b.value()));
  // The order of the training texts does not matter (pieces are counted, then sorted).
  const auto c = moe::text::train_bpe({"x y z", text_sample()}, options);
  const auto c2 = moe::text::train_bpe({text_sample(), "x y z"}, options);
  REQUIRE(c.ok());
  REQUIRE(c2.ok());
  CHECK(moe::text::tokenizer_to_json(c.value()) == moe::text::tokenizer_to_json(c2.value()));
  const auto d = moe::text::train_bpe({"just a few other words, other words"}, options);
  REQUIRE(d.ok());
  CHECK(moe::text::tokenizer_to_json(d.value()) != json_a);
}

TEST_CASE("bpe: stops early when no pair occurs twice; special tokens are not learned from") {
  moe::text::BpeTrainOptions options;
  options.vocab_size = 1000;
  const auto t = moe::text::train_bpe({"abab<|endoftext|>abab"}, options);
  REQUIRE(t.ok());
  // Pieces "abab" twice: (a,b) x4 -> "ab"; (ab,ab) x2 -> "abab"; then no pair is left.
  CHECK(t.value().vocab_size() == 256 + 2 + 1);
  CHECK(t.value().token_id("abab") == 257);
  CHECK(t.value().token_id("b<") == -1);
}

TEST_CASE("bpe: special tokens are cut out of the text before encoding") {
  const Tokenizer& t = sample_tokenizer();
  const auto ids = t.encode("the end<|endoftext|>The");  // "t" "he" " e" "nd" <|endoftext|> "The"
  REQUIRE(ids.size() == 6);
  CHECK(ids[4] == 399);
  CHECK(t.decode(ids).value() == "the end<|endoftext|>The");
  CHECK(t.encode("<|endoftext|><|endoftext|>") == std::vector<int32_t>{399, 399});
  CHECK(t.encode("<|endoftext|").size() > 1);  // no match without the closing '>'
}

TEST_CASE("bpe: bad options and ids are errors naming the field") {
  moe::text::BpeTrainOptions options;
  options.vocab_size = 256;
  auto t = moe::text::train_bpe({"abc"}, options);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message() == "vocab_size: must be between 257 and 65536, got 256");
  options.vocab_size = 300;
  options.special_tokens = {""};
  t = moe::text::train_bpe({"abc"}, options);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message() == "special_tokens[0]: must not be empty");

  const Tokenizer& s = sample_tokenizer();
  const std::vector<int32_t> bad = {5, 400};
  const auto text = s.decode(bad);
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().message() == "ids[1]: 400 is not a token id (vocabulary size 400)");
  const std::vector<int32_t> negative = {-1};
  CHECK(s.decode(negative).error().where == "ids[0]");
  CHECK(s.decode(std::vector<int32_t>{72, 105}).value() == "Hi");  // the next call still works
}

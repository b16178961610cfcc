#include "moe/calc/embed.hpp"

#include <algorithm>

namespace moe {
namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_ascii_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_letter(unsigned char c) {
  return is_ascii_letter(c) || c >= 0x80;
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_punct(unsigned char c) {
  return c > ' ' && c < 0x7f && !is_ascii_letter(c) && !is_digit(c);
}
bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}
bool is_vowel(unsigned char c) {
  switch (c | 0x20) {  // ASCII lowercase
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
      return is_ascii_letter(c);
    default:
      return false;
  }
}

constexpr std::array<std::string_view, 45> kFunctionWords = {
    "the",  "a",    "an",   "of",    "to",  "and", "in",   "is",   "it",  "that",  "for", "on",
    "with", "as",   "was",  "at",    "by",  "be",  "this", "are",  "or",  "from",  "but", "not",
    "he",   "she",  "they", "we",    "you", "i",   "his",  "her",  "its", "their", "has", "have",
    "had",  "were", "will", "would", "can", "if",  "so",   "than", "then"};

bool is_function_word(const std::string& token) {
  std::string lower = token;
  for (char& ch : lower) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return std::find(kFunctionWords.begin(), kFunctionWords.end(), lower) != kFunctionWords.end();
}

// Fills the F features of one token (position is set by the caller).
void token_features(const std::string& token, float* f) {
  int chars = 0, digits = 0, puncts = 0, letters = 0, vowels = 0;
  for (unsigned char c : token) {
    if (is_continuation(c)) continue;  // count code points, not bytes
    ++chars;
    digits += is_digit(c);
    puncts += is_punct(c);
    letters += is_letter(c);
    vowels += is_vowel(c);
  }
  const unsigned char first = static_cast<unsigned char>(token[0]);
  f[0] = static_cast<float>(digits) / static_cast<float>(chars);                         // digit
  f[1] = static_cast<float>(puncts) / static_cast<float>(chars);                         // punct
  f[2] = (first >= 'A' && first <= 'Z') ? 1.0f : 0.0f;                                   // capital
  f[3] = std::min(static_cast<float>(chars) / 10.0f, 1.0f);                              // length
  f[4] = letters > 0 ? static_cast<float>(vowels) / static_cast<float>(letters) : 0.0f;  // vowels
  f[6] = is_function_word(token) ? 1.0f : 0.0f;  // function_word
  f[7] = 1.0f;                                   // bias
}

}  // namespace

std::vector<std::string> embed_tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  const auto at = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = at(i);
    size_t j = i + 1;
    if (is_space(c)) {
      i = j;
      continue;
    }
    if (is_letter(c)) {
      while (j < n) {
        if (is_letter(at(j))) {
          ++j;
        } else if (at(j) == '\'' && j + 1 < n && is_letter(at(j + 1))) {
          j += 2;
        } else {
          break;
        }
      }
    } else if (is_digit(c)) {
      while (j < n) {
        if (is_digit(at(j))) {
          ++j;
        } else if ((at(j) == '.' || at(j) == ',') && j + 1 < n && is_digit(at(j + 1))) {
          j += 2;
        } else {
          break;
        }
      }
    }
    tokens.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return tokens;
}

Result<Embedding> embed_text(std::string_view text) {
  if (text.size() > kMaxEmbedBytes) {
    return Error{"text", "is " + std::to_string(text.size()) + " bytes, above the cap of " +
                             std::to_string(kMaxEmbedBytes) + " bytes (64 KiB)"};
  }
  Embedding emb;
  emb.tokens = embed_tokenize(text);
  const size_t T = emb.tokens.size();
  if (T > kMaxEmbedTokens) {
    return Error{"text", "has " + std::to_string(T) + " tokens, above the cap of " +
                             std::to_string(kMaxEmbedTokens)};
  }
  emb.features.assign(T * kEmbedFeatures, 0.0f);  // [T, F]
  for (size_t t = 0; t < T; ++t) {
    float* f = emb.features.data() + t * kEmbedFeatures;
    token_features(emb.tokens[t], f);
    f[5] = T > 1 ? static_cast<float>(t) / static_cast<float>(T - 1) : 0.0f;  // position
  }
  return emb;
}

}  // namespace moe

// The pre-tokenizer rules of pretokenize.hpp, one pass over the bytes.
#include "moe/text/pretokenize.hpp"

#include <cstdint>

namespace moe::text {
namespace {

enum class Cls : uint8_t { space, digit, letter, other };

Cls cls(char ch) {
  const auto b = static_cast<uint8_t>(ch);
  if ((b >= 0x09 && b <= 0x0D) || b == 0x20) return Cls::space;
  if (b >= '0' && b <= '9') return Cls::digit;
  if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b >= 0x80) return Cls::letter;
  return Cls::other;
}

// Length of the contraction at text[i] ('s 't 'd 'm 'll 've 're), or 0.
size_t contraction(std::string_view text, size_t i) {
  if (text[i] != '\'' || i + 1 >= text.size()) return 0;
  const char a = text[i + 1];
  if (a == 's' || a == 'd' || a == 'm' || a == 't') return 2;
  if (i + 2 >= text.size()) return 0;
  const char b = text[i + 2];
  if ((a == 'l' && b == 'l') || (a == 'v' && b == 'e') || (a == 'r' && b == 'e')) return 3;
  return 0;
}

// Length of the piece that starts at text[i].
size_t piece_length(std::string_view text, size_t i) {
  const size_t n = text.size();
  if (size_t c = contraction(text, i)) return c;  // rule 1
  // Rules 2-4: an optional leading space, then a letter run, one digit or an other run.
  const size_t k = text[i] == ' ' ? i + 1 : i;
  if (k < n) {
    const Cls c = cls(text[k]);
    if (c == Cls::digit) return k + 1 - i;
    if (c == Cls::letter || c == Cls::other) {
      size_t j = k + 1;
      while (j < n && cls(text[j]) == c) ++j;
      return j - i;
    }
  }
  // Rules 5-6: text[i] is a space byte (a lone ' ' before a space or the end lands here too).
  size_t j = i + 1;
  while (j < n && cls(text[j]) == Cls::space) ++j;
  if (j < n && j - i >= 2) return j - 1 - i;  // leave the last space for the next piece
  return j - i;
}

}  // namespace

void pretokenize(std::string_view text, std::vector<std::string_view>& out) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = piece_length(text, i);
    out.push_back(text.substr(i, len));
    i += len;
  }
}

}  // namespace moe::text

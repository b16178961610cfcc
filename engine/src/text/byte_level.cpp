// The GPT-2 byte-level alphabet (byte_level.hpp), built once as two tables.
#include "moe/text/byte_level.hpp"

#include <array>

namespace moe::text {
namespace {

bool shows_itself(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
}

struct Alphabet {
  std::array<char32_t, 256> of_byte{};
  std::array<int16_t, 0x200> byte_of{};  // code point -> byte, -1 if none (all are < U+0200)
  Alphabet() {
    byte_of.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      of_byte[b] = shows_itself(b) ? static_cast<char32_t>(b) : next++;
      byte_of[of_byte[b]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

void append_utf8(char32_t c, std::string& out) {
  // Every code point of the alphabet is below U+0800: one or two UTF-8 bytes.
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

char32_t byte_to_char(uint8_t b) {
  return alphabet().of_byte[b];
}

std::optional<uint8_t> char_to_byte(char32_t c) {
  if (c >= 0x200 || alphabet().byte_of[c] < 0) return std::nullopt;
  return static_cast<uint8_t>(alphabet().byte_of[c]);
}

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) append_utf8(byte_to_char(static_cast<uint8_t>(ch)), out);
  return out;
}

std::optional<std::string> byte_level_to_bytes(std::string_view shown) {
  std::string out;
  out.reserve(shown.size());
  for (size_t i = 0; i < shown.size();) {
    const auto b0 = static_cast<uint8_t>(shown[i]);
    char32_t c;
    if (b0 < 0x80) {
      c = b0;
      i += 1;
    } else if ((b0 & 0xE0) == 0xC0 && i + 1 < shown.size() &&
               (static_cast<uint8_t>(shown[i + 1]) & 0xC0) == 0x80) {
      c = (static_cast<char32_t>(b0 & 0x1F) << 6) | (static_cast<uint8_t>(shown[i + 1]) & 0x3F);
      if (c < 0x80) return std::nullopt;  // overlong encoding
      i += 2;
    } else {
      return std::nullopt;  // not UTF-8, or a character of 3+ bytes (none is in the alphabet)
    }
    const auto b = char_to_byte(c);
    if (!b) return std::nullopt;
    out.push_back(static_cast<char>(*b));
  }
  return out;
}

}  // namespace moe::text

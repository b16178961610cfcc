// The byte-level alphabet of GPT-2 and Hugging Face's `ByteLevel` pre-tokenizer and decoder: each
// of the 256 byte values is shown as one printable Unicode character, so a token made of any bytes
// is a readable JSON string in tokenizer.json (space 0x20 -> "Ġ" U+0120, newline 0x0A -> "Ċ").
//
// The map: the 188 bytes that are printable Latin-1 (0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF) stand for
// themselves; the other 68 bytes, in increasing order, take U+0100, U+0101, ... in turn.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moe::text {

// The code point that shows byte b.
char32_t byte_to_char(uint8_t b);

// The byte a code point shows, or nullopt when the code point is not in the alphabet.
std::optional<uint8_t> char_to_byte(char32_t c);

// Bytes -> their byte-level string (UTF-8), e.g. " the" -> "Ġthe".
std::string bytes_to_byte_level(std::string_view bytes);

// A byte-level string (UTF-8) -> the bytes it stands for; nullopt when it is not valid UTF-8 or
// holds a character outside the alphabet.
std::optional<std::string> byte_level_to_bytes(std::string_view shown);

}  // namespace moe::text

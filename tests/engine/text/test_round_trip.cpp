// decode(encode(x)) == x, seeded property tests over random and hostile input: random bytes,
// random valid UTF-8 from every plane, combining marks, emoji ZWJ sequences, NUL and control
// characters, long runs of one character, 100k-character strings, mixed scripts, CRLF and tabs.
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "text_samples.hpp"

namespace {

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// A random Unicode scalar value: any plane 0-16, never a surrogate.
char32_t random_scalar(std::mt19937& rng) {
  for (;;) {
    const char32_t plane = rng() % 17;
    const char32_t c = (plane << 16) | (rng() & 0xFFFF);
    if (c < 0xD800 || c > 0xDFFF) return c;
  }
}

void check_round_trip(const std::string& text) {
  const auto& t = moe_test::sample_tokenizer();
  const std::vector<int32_t> ids = t.encode(text);
  const auto back = t.decode(ids);
  REQUIRE(back.ok());
  REQUIRE(back.value() == text);
  REQUIRE(ids.size() <= text.size());  // a token is at least one byte
}

}  // namespace

TEST_CASE("round trip: random bytes (invalid UTF-8 included)") {
  std::mt19937 rng(101);
  for (int c = 0; c < 1000; ++c) {
    std::string text(rng() % 64, '\0');
    for (char& ch : text) ch = static_cast<char>(rng() & 0xFF);
    check_round_trip(text);
  }
}

TEST_CASE("round trip: random valid UTF-8 across all planes, mixed with the sample's words") {
  std::mt19937 rng(202);
  const char* words[] = {" the", "def", " self", " 12", "\r\n", "\t", " ", "'s", "<|endoftext|>"};
  for (int c = 0; c < 1000; ++c) {
    std::string text;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) {
      if (rng() % 3 == 0) {
        text += words[rng() % std::size(words)];
      } else {
        append_utf8(random_scalar(rng), text);
      }
    }
    check_round_trip(text);
  }
}

TEST_CASE("round trip: combining marks, emoji ZWJ sequences, mixed scripts") {
  std::mt19937 rng(303);
  // Base letters, combining marks (U+0300-U+036F, U+20D0), ZWJ, skin tones, flags, RTL, CJK.
  const std::vector<char32_t> parts = {
      'e',     'a',    0x0301, 0x0308,  0x0327,  0x20D0, 0x200D, 0x1F468, 0x1F469, 0x1F467,
      0x1F3FD, 0x2764, 0xFE0F, 0x1F1EB, 0x1F1F7, 0x05D0, 0x0627, 0x0644,  0x65E5,  0x672C,
      0x0939,  0x094D, 0x0E01, 0xAC00,  0x0410,  ' ',    '\n',   0x00A0,  0x3000,  0x2014};
  for (int c = 0; c < 1000; ++c) {
    std::string text;
    const int n = static_cast<int>(rng() % 32);
    for (int i = 0; i < n; ++i) append_utf8(parts[rng() % parts.size()], text);
    check_round_trip(text);
  }
  check_round_trip("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7");
  check_round_trip("Zalgo: Z\xCD\x91\xCD\x97\xCD\x9B a\xCC\x81\xCC\x82\xCC\x83 \xD7\xA9\xD7\x9C");
}

TEST_CASE("round trip: NUL, control characters, CRLF, tabs") {
  std::mt19937 rng(404);
  const std::string controls = std::string("\0\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f \r\n", 15);
  for (int c = 0; c < 500; ++c) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      text += rng() % 2 ? std::string(1, controls[rng() % controls.size()]) : " the\r\n\tx";
    }
    check_round_trip(text);
  }
}

TEST_CASE("round trip: long runs of one character and 100k-character strings") {
  for (const std::string& unit :
       {std::string("a"), std::string(" "), std::string("\n"), std::string("7"), std::string("!"),
        std::string("\xC3\xA9"), std::string("\xF0\x9F\x98\x80"), std::string(1, '\0')}) {
    check_round_trip(unit);
    std::string run;
    for (int i = 0; i < 100000; ++i) run += unit;
    check_round_trip(run);
  }
  // 100k characters of the sample's own text, and of random printable ASCII.
  std::string sample;
  while (sample.size() < 100000) sample += moe_test::text_sample();
  check_round_trip(sample.substr(0, 100000));
  std::mt19937 rng(505);
  std::string ascii(100000, ' ');
  for (char& ch : ascii) ch = static_cast<char>(0x20 + rng() % 95);
  check_round_trip(ascii);
}

TEST_CASE("encode: 20,000 repetitions of a word are 20,000 tokens (the cache keeps them exact)") {
  const auto& t = moe_test::sample_tokenizer();
  std::string text;
  for (int i = 0; i < 20000; ++i) text += " the";
  CHECK(t.encode(text).size() == 20000);
}

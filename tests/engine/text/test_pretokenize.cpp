// The pre-tokenizer: its pieces on named examples, and agreement with the regular expression that
// tokenizer.json carries (kPretokenizePattern, run by std::regex as Hugging Face's `Split` with
// behavior "Isolated" would run it) on random ASCII text.
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/text/pretokenize.hpp"

namespace {

std::vector<std::string> pieces_of(std::string_view text) {
  std::vector<std::string_view> views;
  moe::text::pretokenize(text, views);
  return {views.begin(), views.end()};
}

using P = std::vector<std::string>;

}  // namespace

TEST_CASE("pretokenize: words keep their leading space, numbers split into digits") {
  CHECK(pieces_of("In the beginning God") == P{"In", " the", " beginning", " God"});
  CHECK(pieces_of("What is 37 + 85? 122") ==
        P{"What", " is", " 3", "7", " +", " 8", "5", "?", " 1", "2", "2"});
  CHECK(pieces_of("    def f(self):\n        return x") ==
        P{"   ", " def", " f", "(", "self", "):", "\n       ", " return", " x"});
  CHECK(pieces_of("the LORD's house, they'll go") ==
        P{"the", " LORD", "'s", " house", ",", " they", "'ll", " go"});
  CHECK(pieces_of("a\r\n\tb  ") == P{"a", "\r\n", "\t", "b", "  "});
  CHECK(pieces_of("x\n y") == P{"x", "\n", " y"});
  // Every byte >= 0x80 is a letter: a UTF-8 character is never split, any script forms words.
  CHECK(pieces_of("na\xC3\xAFve caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC!") ==
        P{"na\xC3\xAFve", " caf\xC3\xA9", " \xE6\x97\xA5\xE6\x9C\xAC", "!"});
  CHECK(pieces_of(std::string("a\0b", 3)) == P{"a", std::string("\0", 1), "b"});
  CHECK(pieces_of("").empty());
}

TEST_CASE("pretokenize: pieces concatenate back to the text, none is empty") {
  std::mt19937 rng(11);
  for (int c = 0; c < 500; ++c) {
    std::string text(rng() % 200, '\0');
    for (char& ch : text) ch = static_cast<char>(rng() & 0xFF);
    std::string joined;
    for (const std::string& p : pieces_of(text)) {
      REQUIRE_FALSE(p.empty());
      joined += p;
    }
    REQUIRE(joined == text);
  }
}

TEST_CASE("pretokenize: same pieces as kPretokenizePattern on random ASCII") {
  const std::regex pattern(std::string(moe::text::kPretokenizePattern), std::regex::ECMAScript);
  // Characters from every class, weighted toward the tricky ones: spaces, apostrophes, digits.
  const std::string alphabet = "    \t\n\r\x0b\x0c''sdmtlver aZ09!.,;:(){}#_-+\x01\x7f";
  std::mt19937 rng(5);
  for (int c = 0; c < 300; ++c) {
    std::string text(rng() % 40, ' ');
    for (char& ch : text) ch = alphabet[rng() % alphabet.size()];
    // Isolated: matches are pieces, and a gap between matches would be a piece too.
    std::vector<std::string> from_regex;
    size_t at = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it) {
      if (static_cast<size_t>(it->position()) > at)
        from_regex.push_back(text.substr(at, it->position() - at));
      from_regex.push_back(it->str());
      at = it->position() + it->length();
    }
    if (at < text.size()) from_regex.push_back(text.substr(at));
    INFO("text: \"" << text << "\"");
    REQUIRE(pieces_of(text) == from_regex);
  }
}

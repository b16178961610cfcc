// The interpretable embedding: tokeniser rules and each named feature on known tokens.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/calc/embed.hpp"

namespace {

std::vector<float> features_of(const moe::Embedding& emb, size_t t) {
  return {emb.features.begin() + t * moe::kEmbedFeatures,
          emb.features.begin() + (t + 1) * moe::kEmbedFeatures};
}

}  // namespace

TEST_CASE("feature names are the eight documented ones, in order") {
  const std::vector<std::string> names(moe::kEmbedFeatureNames.begin(),
                                       moe::kEmbedFeatureNames.end());
  CHECK(names == std::vector<std::string>{"digit", "punct", "capital", "length", "vowels",
                                          "position", "function_word", "bias"});
}

TEST_CASE("tokeniser: words with inner apostrophes, numbers with inner . and ,, punctuation") {
  CHECK(moe::embed_tokenize("Don't panic: 3.14 apples, 1,000 times!") ==
        std::vector<std::string>{"Don't", "panic", ":", "3.14", "apples", ",", "1,000", "times",
                                 "!"});
  CHECK(moe::embed_tokenize("  'quoted' end. 2.") ==
        std::vector<std::string>{"'", "quoted", "'", "end", ".", "2", "."});
  CHECK(moe::embed_tokenize("café naïve") == std::vector<std::string>{"café", "naïve"});
  CHECK(moe::embed_tokenize("abc123") == std::vector<std::string>{"abc", "123"});
  CHECK(moe::embed_tokenize(" \t\n").empty());
}

TEST_CASE("features on known tokens") {
  moe::Result<moe::Embedding> r = moe::embed_text("Don't the 3.14 ! café");
  REQUIRE(r.ok());
  const moe::Embedding& emb = r.value();
  REQUIRE(emb.tokens.size() == 5);
  REQUIRE(emb.features.size() == 5 * 8);
  //        digit  punct  capital length vowels position function bias
  CHECK(features_of(emb, 0) == std::vector<float>{0.0f, 0.2f, 1.0f, 0.5f, 0.25f, 0.0f, 0.0f, 1.0f});
  CHECK(features_of(emb, 1) ==
        std::vector<float>{0.0f, 0.0f, 0.0f, 0.3f, 1.0f / 3.0f, 0.25f, 1.0f, 1.0f});
  CHECK(features_of(emb, 2) ==
        std::vector<float>{0.75f, 0.25f, 0.0f, 0.4f, 0.0f, 0.5f, 0.0f, 1.0f});
  CHECK(features_of(emb, 3) == std::vector<float>{0.0f, 1.0f, 0.0f, 0.1f, 0.0f, 0.75f, 0.0f, 1.0f});
  // "café": 4 code points (é is 2 bytes), letters c a f é, vowels a (é is not an ASCII vowel)
  CHECK(features_of(emb, 4) == std::vector<float>{0.0f, 0.0f, 0.0f, 0.4f, 0.25f, 1.0f, 0.0f, 1.0f});
}

TEST_CASE("function words are matched case-insensitively; a single token sits at position 0") {
  moe::Result<moe::Embedding> r = moe::embed_text("The");
  REQUIRE(r.ok());
  CHECK(r.value().features[5] == 0.0f);  // position
  CHECK(r.value().features[6] == 1.0f);  // function_word
  CHECK(r.value().features[2] == 1.0f);  // capital
}

TEST_CASE("embedding caps: bytes and tokens") {
  CHECK(moe::embed_text(std::string(64 * 1024 + 1, 'a')).error().message() ==
        "text: is 65537 bytes, above the cap of 65536 bytes (64 KiB)");
  std::string many;
  for (int i = 0; i < 4097; ++i) many += "a ";
  CHECK(moe::embed_text(many).error().message() == "text: has 4097 tokens, above the cap of 4096");
  moe::Result<moe::Embedding> empty = moe::embed_text("");
  REQUIRE(empty.ok());
  CHECK(empty.value().tokens.empty());
  CHECK(moe::embed_text("still works").ok());
}

TEST_CASE("vowels are a, e, i, o, u among the letters, case-insensitive") {
  moe::Result<moe::Embedding> r = moe::embed_text("QUEUE rhythm");
  REQUIRE(r.ok());
  CHECK(r.value().features[4] == 0.8f);      // U E U E of Q U E U E
  CHECK(r.value().features[8 + 4] == 0.0f);  // y is not a vowel
  CHECK(r.value().features[8 + 3] == 0.6f);  // length 6 / 10
}

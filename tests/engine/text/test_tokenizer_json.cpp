// tokenizer.json: the Hugging Face layout, save/load round trip, and a clear error naming the
// field for every kind of malformed or hostile file.
#include <functional>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/text/tokenizer_json.hpp"
#include "text_samples.hpp"

namespace {

using nlohmann::json;

json saved() {
  return json::parse(moe::text::tokenizer_to_json(moe_test::sample_tokenizer()));
}

std::string load_error(const json& doc) {
  const auto t = moe::text::tokenizer_from_json(doc.dump());
  return t.ok() ? std::string("(loaded)") : t.error().message();
}

}  // namespace

TEST_CASE("tokenizer.json: the Hugging Face BPE layout") {
  const json doc = saved();
  CHECK(doc["model"]["type"] == "BPE");
  CHECK(doc["model"]["vocab"].size() == 400);
  CHECK(doc["model"]["vocab"]["\xC4\xA0the"] == moe_test::sample_tokenizer().token_id(" the"));
  CHECK(doc["model"]["vocab"]["<|endoftext|>"] == 399);
  CHECK(doc["model"]["merges"][0].is_string());
  CHECK(doc["added_tokens"][0]["content"] == "<|endoftext|>");
  CHECK(doc["added_tokens"][0]["special"] == true);
  CHECK(doc["pre_tokenizer"]["pretokenizers"][0]["type"] == "Split");
  CHECK(doc["pre_tokenizer"]["pretokenizers"][0]["behavior"] == "Isolated");
  CHECK(doc["pre_tokenizer"]["pretokenizers"][1]["type"] == "ByteLevel");
  CHECK(doc["pre_tokenizer"]["pretokenizers"][1]["use_regex"] == false);
  CHECK(doc["decoder"]["type"] == "ByteLevel");
  // Vocab in id order in the file, as Hugging Face writes it: "!" (0x21) has id 0x21.
  const std::string text = moe::text::tokenizer_to_json(moe_test::sample_tokenizer());
  CHECK(text.find("\"!\": 33") != std::string::npos);
  CHECK(text.find("\"!\": 33") < text.find("\"\\\"\": 34"));
}

TEST_CASE("tokenizer.json: save, load, save gives the same bytes and the same encoding") {
  const auto& t = moe_test::sample_tokenizer();
  const std::string text = moe::text::tokenizer_to_json(t);
  const auto loaded = moe::text::tokenizer_from_json(text);
  REQUIRE(loaded.ok());
  CHECK(moe::text::tokenizer_to_json(loaded.value()) == text);
  CHECK(loaded.value().encode(moe_test::text_sample()) == t.encode(moe_test::text_sample()));
  // Merges written as [a, b] pairs (the newer format) load to the same tokenizer.
  json doc = json::parse(text);
  for (auto& m : doc["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    m = json::array({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
  }
  const auto pairs = moe::text::tokenizer_from_json(doc.dump());
  REQUIRE(pairs.ok());
  CHECK(moe::text::tokenizer_to_json(pairs.value()) == text);
}

TEST_CASE("tokenizer.json: malformed files give an error naming the field") {
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    std::string expected;
  };
  const std::string g_the = "\xC4\xA0the";
  const Case cases[] = {
      {"no model", [](json& d) { d.erase("model"); }, "model: missing"},
      {"model type", [](json& d) { d["model"]["type"] = "WordPiece"; },
       "model.type: must be \"BPE\", got \"WordPiece\""},
      {"no vocab", [](json& d) { d["model"].erase("vocab"); }, "model.vocab: missing"},
      {"vocab not object", [](json& d) { d["model"]["vocab"] = json::array(); },
       "model.vocab: must be an object, got an array of 0"},
      {"no merges", [](json& d) { d["model"].erase("merges"); }, "model.merges: missing"},
      {"id not integer", [&](json& d) { d["model"]["vocab"][g_the] = "7"; },
       "model.vocab[\"" + g_the + "\"]: must be an integer id, got \"7\""},
      {"duplicate id", [&](json& d) { d["model"]["vocab"][g_the] = 5; },
       "model.vocab[\"" + g_the + "\"]: id 5 is already used by another token"},
      {"huge id", [&](json& d) { d["model"]["vocab"][g_the] = 1LL << 40; },
       "model.vocab[\"" + g_the + "\"]: id must be between 0 and 262143, got 1099511627776"},
      {"gap in ids", [](json& d) { d["model"]["vocab"].erase("z"); },
       "model.vocab: ids must run from 0 to 399 without gaps; id 122 is missing"},
      {"not byte-level", [](json& d) { d["model"]["vocab"]["\xE2\x82\xAC"] = 400; },
       "model.vocab[\"\xE2\x82\xAC\"]: is not a byte-level token (a character outside the "
       "alphabet)"},
      {"merge of unknown token", [](json& d) { d["model"]["merges"][3] = "q\xC4\xA0 zz"; },
       "model.merges[3]: \"q\xC4\xA0\" is not in model.vocab"},
      {"merge not a pair", [](json& d) { d["model"]["merges"][2] = "abc"; },
       "model.merges[2]: must be two tokens separated by one space, got \"abc\""},
      {"merge number", [](json& d) { d["model"]["merges"][1] = 5; },
       "model.merges[1]: must be \"a b\" or [\"a\", \"b\"], got 5"},
      {"merge result unknown", [](json& d) { d["model"]["merges"][0] = "q q"; },
       "model.merges[0]: the merged token \"qq\" is not in model.vocab"},
      {"merge repeated", [](json& d) { d["model"]["merges"].push_back(d["model"]["merges"][4]); },
       "model.merges[" + std::to_string(saved()["model"]["merges"].size()) +
           "]: repeats model.merges[4]"},
      {"byte missing",
       [](json& d) {
         d["model"]["vocab"].erase("\xC4\x81");  // byte 0x01, id 1: the special token moves there
         d["model"]["vocab"].erase("<|endoftext|>");
         d["added_tokens"][0]["id"] = 1;
       },
       "model.vocab: byte \"\\x01\" has no token; a byte-level vocabulary needs all 256"},
      {"added token id reused", [](json& d) { d["added_tokens"][0]["id"] = 65; },
       "model.vocab[\"A\"]: id 65 is the added token \"<|endoftext|>\""},
      {"added token content", [](json& d) { d["added_tokens"][0]["content"] = ""; },
       "added_tokens[0].content: must not be empty"},
      {"added token shadows a token",
       [](json& d) {
         d["added_tokens"].push_back({{"id", 400}, {"content", "\xC4\xA0the"}, {"special", true}});
       },
       "added_tokens: special token \"\\xC4\\xA0the\" (id 400) has the same text as token "
       "id " +
           std::to_string(moe_test::sample_tokenizer().token_id(" the"))},
      {"two added tokens, one text",
       [](json& d) {
         d["added_tokens"].push_back({{"id", 400}, {"content", "<|endoftext|>"}});
       },
       "added_tokens: special token \"<|endoftext|>\" (id 400) has the same text as token id 399"},
      {"dropout", [](json& d) { d["model"]["dropout"] = 0.1; },
       "model.dropout: not supported: must be null, got 0.1"},
      {"byte fallback", [](json& d) { d["model"]["byte_fallback"] = true; },
       "model.byte_fallback: not supported: must be null or false, got true"},
      {"normalizer",
       [](json& d) {
         d["normalizer"] = {{"type", "NFC"}};
       },
       "normalizer: not supported: must be null, got an object"},
      {"decoder",
       [](json& d) {
         d["decoder"] = {{"type", "Metaspace"}};
       },
       "decoder: not supported: must be {\"type\": \"ByteLevel\"}, got an object"},
      {"not an object",
       [](json& d) {
         d = json::array({1, 2});
       },
       "tokenizer.json: must be an object, got an array of 2"},
  };
  for (const Case& c : cases) {
    json doc = saved();
    c.edit(doc);
    INFO("case: " << c.name);
    CHECK(load_error(doc) == c.expected);
  }
  // The engine's pre-tokenizer only: GPT-2's ByteLevel split is a different tokenizer.
  json doc = saved();
  doc["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  CHECK(load_error(doc).rfind("pre_tokenizer: not supported: the engine implements only its own "
                              "Split pattern followed by ByteLevel",
                              0) == 0);
  doc.erase("pre_tokenizer");
  CHECK(load_error(doc) == "pre_tokenizer: missing");
  // Not JSON, too deep, too big: refused before any tokenizer is built.
  CHECK(moe::text::tokenizer_from_json("{\"model\": ").error().where == "json");
  CHECK(moe::text::tokenizer_from_json(std::string(100, '[')).error().where == "json");
  CHECK(moe::text::tokenizer_from_json("").error().where == "json");
  // After all of that the next call still works.
  CHECK(moe::text::tokenizer_from_json(saved().dump()).ok());
}

TEST_CASE("tokenizer.json: huge sizes are refused before allocating") {
  // The documents are written as text (building them as json objects would be the slow part).
  const std::string good = moe::text::tokenizer_to_json(moe_test::sample_tokenizer());
  const auto with = [&](const std::string& key, const std::string& extra) {
    std::string text = good;
    const size_t at = text.find(key) + key.size();
    return text.insert(at, extra);
  };
  std::string vocab;
  for (int i = 0; i < (1 << 18) + 1 - 400; ++i) {
    vocab += "\"x" + std::to_string(i) + "\": " + std::to_string(400 + i) + ", ";
  }
  auto t = moe::text::tokenizer_from_json(with("\"vocab\": {", vocab));
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message() == "model.vocab: has 262145 tokens, more than the limit 262144");
  std::string merges;
  for (int i = 0; i < (1 << 18) + 1; ++i) merges += "\"a b\", ";
  t = moe::text::tokenizer_from_json(with("\"merges\": [", merges));
  REQUIRE_FALSE(t.ok());
  const size_t total = (1 << 18) + 1 + moe_test::sample_tokenizer().parts().merges.size();
  CHECK(t.error().message() ==
        "model.merges: has " + std::to_string(total) + " merges, more than the limit 262144");
  json doc = saved();
  doc["added_tokens"][0]["id"] = 200000;
  doc["model"]["vocab"]["<|endoftext|>"] = 200000;
  CHECK(load_error(doc) ==
        "model.vocab: ids must run from 0 to 200000 without gaps; id 399 is "
        "missing");
}

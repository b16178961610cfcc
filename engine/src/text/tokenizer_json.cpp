// tokenizer.json (Hugging Face `tokenizers` format) writer and validating reader.
#include "moe/text/tokenizer_json.hpp"

#include <nlohmann/json.hpp>

#include "moe/text/byte_level.hpp"
#include "moe/text/pretokenize.hpp"
#include "spec/json_fields.hpp"

namespace moe::text {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;
using detail::describe;

// The token as it appears in tokenizer.json: byte-level string, or a special token's own text.
std::string shown(const Tokenizer& t, int32_t id) {
  return t.is_special(id) ? t.token_bytes(id) : bytes_to_byte_level(t.token_bytes(id));
}

ordered byte_level_step() {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", true},
          {"use_regex", false}};
}

ordered pre_tokenizer_json() {
  ordered split = {{"type", "Split"},
                   {"pattern", {{"Regex", std::string(kPretokenizePattern)}}},
                   {"behavior", "Isolated"},
                   {"invert", false}};
  return {{"type", "Sequence"}, {"pretokenizers", ordered::array({split, byte_level_step()})}};
}

std::optional<Error> expect_equal(const json& value, const ordered& wanted,
                                  const std::string& where, const char* what) {
  if (value != json::parse(wanted.dump())) {
    return Error{where, std::string("not supported: the engine implements only ") + what +
                            " (engine/README.md, tokenizer), got " + value.dump().substr(0, 200)};
  }
  return std::nullopt;
}

// Optional model fields that must keep their plain-BPE meaning: absent, null or the given value.
std::optional<Error> expect_plain(const json& model, const char* key, const json& allowed) {
  if (!model.contains(key) || model[key].is_null() || model[key] == allowed) return std::nullopt;
  const std::string wanted = allowed.is_null() ? "null" : "null or " + allowed.dump();
  return Error{std::string("model.") + key,
               "not supported: must be " + wanted + ", got " + describe(model[key])};
}

// model[key], named `model.key` in errors: given, an array (else an object) as `array` says, and
// of at most `limit` entries, each one of the `noun`.
Result<const json*> bounded_member(const json& model, const char* key, bool array, int64_t limit,
                                   const char* noun) {
  const std::string where = std::string("model.") + key;
  if (!model.contains(key)) return Error{where, "missing"};
  const json& v = model[key];
  if (array ? !v.is_array() : !v.is_object()) {
    return Error{where, std::string("must be ") + (array ? "an array" : "an object") + ", got " +
                            describe(v)};
  }
  if (v.size() > static_cast<size_t>(limit)) {
    return Error{where, "has " + std::to_string(v.size()) + " " + noun + ", more than the limit " +
                            std::to_string(limit)};
  }
  return &v;
}

// `model.merges[r]`: "a b" or ["a", "b"] -> the two token ids.
std::optional<Error> read_merge(const json& entry, const std::string& where,
                                const std::unordered_map<std::string, int32_t>& vocab,
                                MergeRule& out) {
  std::string a, b;
  if (entry.is_string()) {
    const auto& s = entry.get_ref<const std::string&>();
    const size_t space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
      return Error{where, "must be two tokens separated by one space, got " + describe(entry)};
    }
    a = s.substr(0, space);
    b = s.substr(space + 1);
  } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
             entry[1].is_string()) {
    a = entry[0].get<std::string>();
    b = entry[1].get<std::string>();
  } else {
    return Error{where, "must be \"a b\" or [\"a\", \"b\"], got " + describe(entry)};
  }
  int32_t* ids[2] = {&out.left, &out.right};
  const std::string* names[2] = {&a, &b};
  for (int k = 0; k < 2; ++k) {
    const auto it = vocab.find(*names[k]);
    if (it == vocab.end())
      return Error{where, describe(json(*names[k])) + " is not in model.vocab"};
    *ids[k] = it->second;
  }
  return std::nullopt;
}

}  // namespace

std::string tokenizer_to_json(const Tokenizer& t) {
  ordered added = ordered::array();
  ordered vocab = ordered::object();
  for (int32_t id = 0; id < t.vocab_size(); ++id) {
    vocab[shown(t, id)] = id;
    if (t.is_special(id)) {
      added.push_back({{"id", id},
                       {"content", t.token_bytes(id)},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", false},
                       {"special", true}});
    }
  }
  ordered merges = ordered::array();
  for (const MergeRule& m : t.parts().merges)
    merges.push_back(shown(t, m.left) + " " + shown(t, m.right));
  ordered model = {{"type", "BPE"},
                   {"dropout", nullptr},
                   {"unk_token", nullptr},
                   {"continuing_subword_prefix", nullptr},
                   {"end_of_word_suffix", nullptr},
                   {"fuse_unk", false},
                   {"byte_fallback", false},
                   {"ignore_merges", false},
                   {"vocab", std::move(vocab)},
                   {"merges", std::move(merges)}};
  ordered doc = {{"version", "1.0"},          {"truncation", nullptr},
                 {"padding", nullptr},        {"added_tokens", std::move(added)},
                 {"normalizer", nullptr},     {"pre_tokenizer", pre_tokenizer_json()},
                 {"post_processor", nullptr}, {"decoder", byte_level_step()},
                 {"model", std::move(model)}};
  return doc.dump(2) + "\n";
}

Result<Tokenizer> tokenizer_from_json(std::string_view text) {
  json doc;
  if (auto e = detail::parse_json_text(text, doc)) return *e;
  if (!doc.is_object()) return Error{"tokenizer.json", "must be an object, got " + describe(doc)};

  // Pipeline steps: only what this engine implements (a different split would encode differently).
  if (!doc.contains("pre_tokenizer")) return Error{"pre_tokenizer", "missing"};
  if (auto e = expect_equal(doc["pre_tokenizer"], pre_tokenizer_json(), "pre_tokenizer",
                            "its own Split pattern followed by ByteLevel"))
    return *e;
  if (!doc.contains("decoder")) return Error{"decoder", "missing"};
  const json& decoder = doc["decoder"];
  if (!decoder.is_object() || decoder.value("type", json()) != "ByteLevel") {
    return Error{"decoder",
                 "not supported: must be {\"type\": \"ByteLevel\"}, got " + describe(decoder)};
  }
  for (const char* key : {"normalizer", "post_processor"}) {
    if (doc.contains(key) && !doc[key].is_null()) {
      return Error{key, std::string("not supported: must be null, got ") + describe(doc[key])};
    }
  }

  if (!doc.contains("model")) return Error{"model", "missing"};
  const json& model = doc["model"];
  if (!model.is_object()) return Error{"model", "must be an object, got " + describe(model)};
  if (!model.contains("type") || model["type"] != "BPE") {
    return Error{"model.type", "must be \"BPE\", got " +
                                   (model.contains("type") ? describe(model["type"]) : "nothing")};
  }
  for (const char* key :
       {"dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix"}) {
    if (auto e = expect_plain(model, key, json())) return *e;
  }
  for (const char* key : {"fuse_unk", "byte_fallback", "ignore_merges"}) {
    if (auto e = expect_plain(model, key, false)) return *e;
  }

  // model.vocab: byte-level token -> id; ids dense from 0.
  const Result<const json*> vocab_member =
      bounded_member(model, "vocab", /*array=*/false, kMaxVocab, "tokens");
  if (!vocab_member.ok()) return vocab_member.error();
  const json& vocab = *vocab_member.value();
  // Special tokens first: they may also appear in the vocab under their own text.
  std::unordered_map<int64_t, std::string> special_text;  // id -> content
  if (doc.contains("added_tokens") && !doc["added_tokens"].is_null()) {
    const json& added = doc["added_tokens"];
    if (!added.is_array() || added.size() > static_cast<size_t>(kMaxVocab)) {
      return Error{"added_tokens", "must be an array of at most " + std::to_string(kMaxVocab) +
                                       " tokens, got " + describe(added)};
    }
    for (size_t i = 0; i < added.size(); ++i) {
      const std::string where = "added_tokens[" + std::to_string(i) + "]";
      const json& a = added[i];
      if (!a.is_object()) return Error{where, "must be an object, got " + describe(a)};
      int64_t id = 0;
      std::string content;
      if (auto e = detail::read_int(a, "id", where, 0, kMaxVocab - 1, id)) return *e;
      if (auto e = detail::read_string(a, "content", where, content)) return *e;
      if (content.empty()) return Error{where + ".content", "must not be empty"};
      if (!special_text.emplace(id, content).second) {
        return Error{where + ".id", std::to_string(id) + " is used by another added token"};
      }
    }
  }
  std::vector<std::string> tokens;
  std::vector<int8_t> filled;  // 0 free, 1 vocab, 2 special
  const auto place = [&](int64_t id, std::string bytes, int8_t kind) {
    if (id >= static_cast<int64_t>(tokens.size())) {
      tokens.resize(id + 1);
      filled.resize(id + 1, 0);
    }
    tokens[id] = std::move(bytes);
    filled[id] = kind;
  };
  for (const auto& [id, content] : special_text) place(id, content, 2);
  std::unordered_map<std::string, int32_t> shown_to_id;
  for (const auto& [token, value] : vocab.items()) {
    const std::string where = "model.vocab[" + describe(json(token)) + "]";
    if (!value.is_number_integer())
      return Error{where, "must be an integer id, got " + describe(value)};
    const auto id = value.get<int64_t>();
    if (id < 0 || id >= kMaxVocab) {
      return Error{where, "id must be between 0 and " + std::to_string(kMaxVocab - 1) + ", got " +
                              std::to_string(id)};
    }
    const auto special = special_text.find(id);
    if (special != special_text.end()) {
      if (special->second != token) {
        return Error{where, "id " + std::to_string(id) + " is the added token " +
                                describe(json(special->second))};
      }
      continue;
    }
    if (id < static_cast<int64_t>(filled.size()) && filled[id] == 1) {
      return Error{where, "id " + std::to_string(id) + " is already used by another token"};
    }
    auto bytes = byte_level_to_bytes(token);
    if (!bytes) return Error{where, "is not a byte-level token (a character outside the alphabet)"};
    place(id, std::move(*bytes), 1);
    shown_to_id.emplace(token, static_cast<int32_t>(id));
  }
  for (size_t id = 0; id < filled.size(); ++id) {
    if (filled[id] == 0) {
      return Error{"model.vocab", "ids must run from 0 to " + std::to_string(filled.size() - 1) +
                                      " without gaps; id " + std::to_string(id) + " is missing"};
    }
  }

  // model.merges, in rank order.
  const Result<const json*> merges_member =
      bounded_member(model, "merges", /*array=*/true, kMaxMerges, "merges");
  if (!merges_member.ok()) return merges_member.error();
  const json& merges = *merges_member.value();
  TokenizerParts parts;
  parts.merges.resize(merges.size());
  for (size_t r = 0; r < merges.size(); ++r) {
    if (auto e = read_merge(merges[r], "model.merges[" + std::to_string(r) + "]", shown_to_id,
                            parts.merges[r]))
      return *e;
  }
  parts.special.resize(tokens.size());
  for (size_t id = 0; id < tokens.size(); ++id) parts.special[id] = filled[id] == 2;
  parts.tokens = std::move(tokens);
  return Tokenizer::build(std::move(parts));
}

}  // namespace moe::text

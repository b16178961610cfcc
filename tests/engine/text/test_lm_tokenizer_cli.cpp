// `moe lm tokenizer` in-process (moe::cli::run_lm_tokenizer): train writes a tokenizer.json that
// encode and decode use; bad input gives exit status 2 and one `error: <where>: <reason>` line.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_tokenizer_command.hpp"
#include "moe/text/tokenizer_json.hpp"
#include "test_support.hpp"
#include "text_samples.hpp"

namespace {

using Run = moe_test::CliRun;

Run run(const std::vector<std::string>& args) {
  return moe_test::run_cli(moe::cli::run_lm_tokenizer, args);
}

std::string temp_path(const char* name) {
  return std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/moe_tok_" + name;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Trains once per process on the shared sample; returns the tokenizer.json path.
const std::string& trained() {
  static const std::string path = [] {
    const std::string corpus = temp_path("corpus.txt"), out = temp_path("tokenizer.json");
    write(corpus, moe_test::text_sample());
    const Run r = run({"train", "--vocab", "400", "--out", out, corpus});
    REQUIRE(r.status == 0);
    return out;
  }();
  return path;
}

}  // namespace

TEST_CASE("moe lm tokenizer train: writes the same tokenizer.json as the library") {
  std::ifstream in(trained(), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == moe::text::tokenizer_to_json(moe_test::sample_tokenizer()));
  const std::string corpus = temp_path("corpus.txt");
  const Run r = run({"train", "--vocab", "400", "--out", temp_path("again.json"), corpus});
  REQUIRE(r.status == 0);
  const auto summary = nlohmann::json::parse(r.out);
  CHECK(summary["vocab_size"] == 400);
  CHECK(summary["bytes"] == moe_test::text_sample().size());
  CHECK(r.err.empty());
}

TEST_CASE("moe lm tokenizer encode and decode") {
  const Run enc = run({"encode", trained(), "--text", "What is 37 + 85? the"});
  REQUIRE(enc.status == 0);
  const auto j = nlohmann::json::parse(enc.out);
  CHECK(j["pieces"] ==
        nlohmann::json::array({"What", " is", " 3", "7", " +", " 8", "5", "?", " the"}));
  std::string ids;
  for (const auto& id : j["ids"]) ids += (ids.empty() ? "" : ",") + std::to_string(id.get<int>());
  const Run dec = run({"decode", trained(), "--ids", ids});
  REQUIRE(dec.status == 0);
  CHECK(dec.out == "What is 37 + 85? the");
  // A piece that is part of a UTF-8 character prints as U+FFFD; decode still gives the bytes.
  const Run euro = run({"encode", trained(), "--text", "\xE2\x82\xAC"});
  REQUIRE(euro.status == 0);
  CHECK(euro.out ==
        "{\"ids\": [226,130,172], \"pieces\": [\"\xEF\xBF\xBD\", \"\xEF\xBF\xBD\", "
        "\"\xEF\xBF\xBD\"]}\n");
  CHECK(run({"decode", trained(), "--ids", "226,130,172"}).out == "\xE2\x82\xAC");
}

TEST_CASE("moe lm tokenizer: bad input exits 2 with one error line") {
  const std::string bad_json = temp_path("bad.json");
  write(bad_json, "{\"model\": {\"type\": \"BPE\"}}");
  const std::string corpus = temp_path("corpus.txt");
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const Case cases[] = {
      {{"train", "--out", "x.json", corpus}, "error: --vocab: missing\n"},
      {{"train", "--vocab", "12a", "--out", "x.json", corpus},
       "error: --vocab: must be a whole number, got \"12a\"\n"},
      {{"train", "--vocab", "100", "--out", "x.json", corpus},
       "error: --vocab: must be between 257 and 65536, got 100\n"},
      {{"train", "--vocab", "300", corpus}, "error: --out: missing\n"},
      {{"train", "--vocab", "300", "--out", "x.json"},
       "error: train: needs at least one FILE to train on\n"},
      {{"train", "--vocab", "300", "--out", "x.json", "/no/such/file"},
       "error: /no/such/file: cannot open the file\n"},
      {{"train", "--vocab"}, "error: --vocab: needs a value\n"},
      {{"train", "--fast"}, "error: --fast: unknown option (see moe lm tokenizer --help)\n"},
      {{"encode", trained()},
       "error: encode: usage: moe lm tokenizer encode TOKENIZER.json --text TEXT\n"},
      {{"encode", bad_json, "--text", "x"}, "error: " + bad_json + ": pre_tokenizer: missing\n"},
      {{"decode", trained(), "--ids", "1,x"},
       "error: --ids[1]: must be a token id (a whole number), got \"x\"\n"},
      {{"decode", trained(), "--ids", "1,,2"},
       "error: --ids[1]: must be a token id (a whole number), got \"\"\n"},
      {{"decode", trained(), "--ids", "5,400"},
       "error: --ids[1]: 400 is not a token id (vocabulary size 400)\n"},
      {{"frobnicate"},
       "error: moe lm tokenizer: unknown command \"frobnicate\" (train, encode, decode, stats)\n"},
  };
  for (const Case& c : cases) {
    INFO("args[0]: " << c.args[0] << ", expected " << c.err);
    const Run r = run(c.args);
    CHECK(r.status == 2);
    CHECK(r.err == c.err);
    CHECK(r.out.empty());
  }
  CHECK(run({}).status == 2);
  CHECK(run({"--help"}).status == 0);
}

TEST_CASE("moe lm tokenizer stats: tokens per byte and the round trip of each file") {
  const std::string corpus = temp_path("corpus.txt");
  const Run r = run({"stats", trained(), corpus});
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["bytes"] == moe_test::text_sample().size());
  CHECK(j["tokens"] == moe_test::sample_tokenizer().encode(moe_test::text_sample()).size());
  CHECK(j["round_trip"] == true);
  CHECK(j["tokens_per_byte"].get<double>() < 0.5);  // merges make tokens longer than one byte
}

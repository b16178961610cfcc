// `moe lm eval` and `moe lm analyze` in-process on a tiny model folder written here (config.json,
// model.safetensors, tokenizer.json) and a two-domain corpus: the printed numbers are the
// library's, and bad input exits 2 with one `error: <where>: <reason>` line.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "analysis_test_support.hpp"
#include "cli_test_support.hpp"
#include "lm_command.hpp"
#include "moe/analysis/lm_evaluation.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/lm/safetensors.hpp"
#include "moe/text/tokenizer_json.hpp"
#include "test_support.hpp"

namespace {

using moe_test::check_cli_fails;
using moe_test::write_text_file;
using nlohmann::json;
using Run = moe_test::CliRun;

const moe_test::CliUnderTest lm_analyze_cli{moe::cli::run_lm, "moe_lm_analyze"};

// A model folder of a seeded tiny model; with_tokenizer = false leaves tokenizer.json out.
std::string model_dir(const std::string& name, uint64_t seed, bool with_tokenizer = true) {
  const std::string dir = lm_analyze_cli.scratch(name);
  const moe::text::Tokenizer tok = moe_test::tiny_tokenizer();
  const moe::lm::LmConfig c = moe_test::tiny_text_config(tok.vocab_size());
  const auto bytes = moe::lm::safetensors_write(
      moe::lm::lm_weights_to_tensors(moe::lm::lm_weights_init_seeded(c, seed), c), {});
  REQUIRE(bytes.ok());
  write_text_file(dir + "/config.json", moe::lm::lm_config_to_json(c).dump());
  write_text_file(dir + "/model.safetensors",
                  std::string(bytes.value().begin(), bytes.value().end()));
  std::filesystem::remove(dir + "/tokenizer.json");
  if (with_tokenizer) write_text_file(dir + "/tokenizer.json", moe::text::tokenizer_to_json(tok));
  return dir;
}

std::string corpus_dir() {
  const std::string dir = lm_analyze_cli.scratch("corpus");
  std::filesystem::create_directories(dir + "/prose");
  std::filesystem::create_directories(dir + "/code");
  write_text_file(dir + "/prose/heldout.txt", moe_test::kProseText);
  write_text_file(dir + "/code/heldout.txt", moe_test::kCodeText);
  return dir;
}

}  // namespace

TEST_CASE("moe lm eval: held-out loss per domain, as evaluate_lm computes it") {
  const std::string dir = model_dir("eval", 1), corpus = corpus_dir();
  const Run r = lm_analyze_cli.run({"eval", dir, "--corpus", corpus});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json out = json::parse(r.out);
  REQUIRE(out["domains"].size() == 2);
  CHECK(out["domains"][0]["name"] == "code");  // folders by name
  CHECK(out["domains"][1]["name"] == "prose");
  CHECK(out["context"] == 16);

  const moe::text::Tokenizer tok = moe_test::tiny_tokenizer();
  const moe::lm::LmConfig c = moe_test::tiny_text_config(tok.vocab_size());
  moe::lm::LmModel model(c, moe::lm::lm_weights_init_seeded(c, 1));
  const std::vector<moe::analysis::TokenDomain> domains = {
      {"code", tok.encode(moe_test::kCodeText)}, {"prose", tok.encode(moe_test::kProseText)}};
  auto ev = moe::analysis::evaluate_lm(model, domains, {});
  REQUIRE(ev.ok());
  for (int d = 0; d < 2; ++d) {
    CHECK(out["domains"][d]["tokens"] == ev.value().domains[d].tokens);
    CHECK(out["domains"][d]["loss"].get<double>() == ev.value().domains[d].loss);
  }
  CHECK(out["loss"].get<double>() == ev.value().loss);
  // A model with random weights is near the uniform loss ln V.
  CHECK(std::abs(out["loss"].get<double>() - std::log(c.vocab_size)) < 1.0);

  const std::string text = lm_analyze_cli.scratch("eval") + "/one.txt";
  write_text_file(text, moe_test::kProseText);
  const Run t =
      lm_analyze_cli.run({"eval", dir, "--text", text, "--max-tokens", "5", "--context", "4"});
  REQUIRE_MESSAGE(t.status == 0, t.err);
  const json one = json::parse(t.out);
  CHECK(one["domains"][0]["name"] == "text");
  CHECK(one["domains"][0]["tokens"] == 8);  // 5 rounded up to two windows of 4
  CHECK(one["context"] == 4);
}

TEST_CASE("moe lm analyze: every analysis per layer, with its invariants") {
  const std::string dir = model_dir("analyze", 2), corpus = corpus_dir();
  const Run r = lm_analyze_cli.run({"analyze", dir, "--corpus", corpus, "--top-vocab", "3"});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json out = json::parse(r.out);
  const int L = 2, E = 4, k = 2;
  CHECK(out["model"]["layers"] == L);
  CHECK(out["domains"] == json::array({"code", "prose"}));
  REQUIRE(out["consecutive_agreement"].size() == L);
  REQUIRE(out["expert_share"].size() == L);
  REQUIRE(out["coactivation"].size() == L);
  for (int l = 0; l < L; ++l) {
    const json& a = out["consecutive_agreement"][l];
    CHECK(a["uniform_set"].get<double>() == doctest::Approx(5.0 / 6.0));
    CHECK(a["excess_first"].get<double>() ==
          doctest::Approx(a["first_choice"].get<double>() - a["chance_first"].get<double>()));
    for (int d = 0; d < 2; ++d) {
      double sum = 0;
      for (int e = 0; e < E; ++e) sum += out["expert_share"][l][d][e].get<double>();
      CHECK(sum == doctest::Approx(k));
    }
    int64_t diagonal = 0;
    for (int e = 0; e < E; ++e) diagonal += out["coactivation"][l]["counts"][e][e].get<int64_t>();
    CHECK(diagonal == int64_t{k} * out["tokens"].get<int64_t>());
    CHECK(out["vocabulary"][l]["top"].size() == 3);
    const double nmi = out["nmi"][l]["surface"].get<double>();
    CHECK((nmi >= 0.0 && nmi <= 1.0));
  }
  for (const char* domain : {"code", "prose"}) {
    const json& by = out["consecutive_agreement_by_domain"][domain];
    REQUIRE(by.size() == L);
    CHECK(by[0]["pairs"].get<int64_t>() > 0);
  }
  CHECK(out["consecutive_agreement_by_domain"]["code"][0]["pairs"].get<int64_t>() +
            out["consecutive_agreement_by_domain"]["prose"][0]["pairs"].get<int64_t>() ==
        out["consecutive_agreement"][0]["pairs"].get<int64_t>());
  CHECK(out["masking"]["expert_off"].size() == E);
  CHECK(out["masking"]["top1_masked"]["domains"].size() == 2);
  CHECK(out["router_saturation"].empty());
  int64_t surface_total = 0;
  for (const json& n : out["surface_classes"]["counts"]) surface_total += n.get<int64_t>();
  CHECK(surface_total == out["tokens"].get<int64_t>());
}

TEST_CASE("moe lm analyze --intermediate: saturation 1 against itself, per layer") {
  const std::string dir = model_dir("final", 3), corpus = corpus_dir();
  const std::string other = model_dir("step", 4);
  const Run r = lm_analyze_cli.run({"analyze", dir, "--corpus", corpus, "--max-tokens", "20",
                                    "--intermediate", dir, "--intermediate", other});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json s = json::parse(r.out)["router_saturation"];
  REQUIRE(s.size() == 2);
  CHECK(s[0]["per_layer"] == json::array({1.0, 1.0}));
  CHECK(s[0]["mean"] == 1.0);
  CHECK(s[1]["checkpoint"] == other);
  CHECK(s[1]["mean"].get<double>() < 1.0);  // another seed routes differently
}

TEST_CASE("moe lm eval / analyze: bad input exits 2 with one error line") {
  const std::string dir = model_dir("bad", 5), corpus = corpus_dir();
  const std::string bare = model_dir("bare", 5, /*with_tokenizer=*/false);
  check_cli_fails(lm_analyze_cli.run({"eval", bare, "--corpus", corpus}),
                  bare +
                      "/tokenizer.json: cannot open file (a model folder needs tokenizer.json to "
                      "encode text)");
  check_cli_fails(lm_analyze_cli.run({"analyze", dir}),
                  "moe lm analyze: needs --corpus DIR or --text FILE");
  check_cli_fails(lm_analyze_cli.run({"analyze", dir, "--corpus", corpus, "--text", "x.txt"}),
                  "--text: cannot be combined with --corpus (one source of text)");
  check_cli_fails(lm_analyze_cli.run({"eval", dir, "--corpus", corpus, "--max-tokens", "0"}),
                  "--max-tokens: expected a whole number between 1 and 1073741824, got \"0\"");
  check_cli_fails(lm_analyze_cli.run({"eval", dir, "--corpus", corpus, "--context", "17"}),
                  "context: must be between 1 and max_position_embeddings (16), got 17");
  check_cli_fails(lm_analyze_cli.run({"eval", dir, "--corpus", dir}),
                  "--corpus: " + dir + " holds no <domain>/heldout.txt");
  check_cli_fails(lm_analyze_cli.run({"eval", dir, "--frobnicate"}),
                  "moe lm eval: unknown option \"--frobnicate\" (see moe lm eval --help)");
  check_cli_fails(lm_analyze_cli.run({"eval", dir, "--corpus", corpus, "--intermediate", dir}),
                  "moe lm eval: unknown option \"--intermediate\" (see moe lm eval --help)");
  check_cli_fails(
      lm_analyze_cli.run({"analyze", lm_analyze_cli.scratch("nothing"), "--corpus", corpus}),
      lm_analyze_cli.scratch("nothing") + "/config.json: cannot open file");
  check_cli_fails(
      lm_analyze_cli.run(
          {"analyze", dir, "--text", lm_analyze_cli.scratch("nothing") + "/missing.txt"}),
      "--text: " + lm_analyze_cli.scratch("nothing") + "/missing.txt: cannot open file");
  const Run help = lm_analyze_cli.run({"analyze", "--help"});
  CHECK(help.status == 0);
  CHECK(help.out.find("consecutive_agreement") != std::string::npos);
  // The next call still works.
  CHECK(lm_analyze_cli.run({"eval", dir, "--corpus", corpus, "--max-tokens", "4"}).status == 0);
}

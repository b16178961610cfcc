// `moe lm train` in-process: on a two-domain scratch corpus and a tokenizer trained here, it
// prints the chunk, held-out and summary lines, writes a checkpoint folder that LmModel loads
// (its held-out loss is the one printed), and refuses bad TRAIN.json fields with exit 2.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "lm_command.hpp"
#include "lm_test_support.hpp"
#include "moe/lm/lm_batches.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/text/bpe_train.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace {

using moe_test::write_text_file;
using nlohmann::json;

const moe_test::CliUnderTest lm_train_cli{moe::cli::run_lm, "moe_lm_train"};

// Two domains of made-up text, a tokenizer of 300 ids trained on them, and the folder's path.
std::string make_corpus() {
  const std::string root = lm_train_cli.scratch("corpus");
  std::string prose, code;
  for (int i = 0; i < 60; ++i) {
    prose += "the river runs past the mill and the miller sings " + std::to_string(i % 7) + ".\n";
    code +=
        "def f" + std::to_string(i % 5) + "(x):\n    return x * " + std::to_string(i % 3) + "\n";
  }
  for (const auto& [name, text] : {std::pair{"prose", prose}, std::pair{"code", code}}) {
    std::filesystem::create_directories(root + "/" + name);
    write_text_file(root + "/" + name + "/train.txt", text);
    write_text_file(root + "/" + name + "/heldout.txt", text.substr(0, 700));
  }
  moe::text::BpeTrainOptions o;
  o.vocab_size = 300;
  moe::Result<moe::text::Tokenizer> tok = moe::text::train_bpe({prose, code}, o);
  REQUIRE(tok.ok());
  write_text_file(root + "/tokenizer.json", moe::text::tokenizer_to_json(tok.value()));
  return root;
}

json tiny_job(const std::string& root) {
  json model = moe_test::tiny_recipe_model(32);
  model["rope_theta"] = 10000.0;
  return {{"corpus", root},
          {"tokenizer", root + "/tokenizer.json"},
          {"domains", {"prose", "code"}},
          {"model", model},
          {"batch", 4},
          {"seq_len", 16},
          {"steps", 6},
          {"warmup", 2},
          {"lr", 0.01},
          {"chunk", 4},
          {"eval_windows", 4},
          {"routing_steps", {2}},
          {"balancing", {{"switch_aux", 0.01}}}};
}

moe_test::CliRun run_job(const json& job, const std::string& name) {
  const std::string path = lm_train_cli.scratch("jobs") + "/" + name + ".json";
  write_text_file(path, job.dump());
  return lm_train_cli.run({"train", path});
}

std::vector<json> lines(const std::string& out) {
  std::vector<json> v;
  size_t at = 0;
  while (at < out.size()) {
    const size_t nl = out.find('\n', at);
    v.push_back(json::parse(out.substr(at, nl - at)));
    at = nl + 1;
  }
  return v;
}

}  // namespace

TEST_CASE("moe lm train: chunk lines, held-out loss, a checkpoint that loads, and a log") {
  const std::string root = make_corpus();
  json job = tiny_job(root);
  job["out"] = lm_train_cli.scratch("model");
  job["log"] = lm_train_cli.scratch("model") + "/training_log.json";
  const moe_test::CliRun r = run_job(job, "ok");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::vector<json> v = lines(r.out);
  REQUIRE(v.size() == 4);  // chunks of 2 (it ends at routing step 2) and 4, held-out, summary
  CHECK(v[0]["step"] == 2);
  CHECK(v[0]["loss"].size() == 2);
  CHECK(v[1]["step"] == 6);
  CHECK(v[1]["loss"].size() == 4);
  CHECK(v[0]["expert_load"].size() == 2);
  int64_t slots = 0;
  for (const json& e : v[0]["expert_load"][0]) slots += e.get<int64_t>();
  CHECK(slots == 2 * 4 * 16 * 2);  // steps · batch · seq_len · top-k
  const json& summary = v[3];
  CHECK(summary["steps"] == 6);
  CHECK(summary["tokens"] == 6 * 4 * 16);
  CHECK(summary["params"].get<int64_t>() > summary["active_params"].get<int64_t>());

  // The folder loads as it is; its held-out loss is the printed one.
  const std::string dir = job["out"];
  moe::Result<moe::lm::LmModel> model = moe::lm::LmModel::load(
      moe_test::read_text_file(dir + "/config.json"),
      moe_test::as_bytes(moe_test::read_text_file(dir + "/model.safetensors")));
  REQUIRE(model.ok());
  moe::Result<moe::text::Tokenizer> tok =
      moe::text::tokenizer_from_json(moe_test::read_text_file(dir + "/tokenizer.json"));
  REQUIRE(tok.ok());
  const std::vector<int32_t> held = moe::lm::lm_heldout_windows(
      tok.value().encode(moe_test::read_text_file(root + "/prose/heldout.txt")), 16, 4);
  const int W = static_cast<int>(held.size() / 17);
  double total = 0;
  for (int w = 0; w < W; ++w) {
    std::vector<int32_t> in(held.begin() + w * 17, held.begin() + w * 17 + 16);
    std::vector<int32_t> tg(held.begin() + w * 17 + 1, held.begin() + w * 17 + 17);
    auto run = model.value().forward(in, 1, 16);
    REQUIRE(run.ok());
    total += moe::lm::next_token_loss<float>(run.value()->logits.data(), 16,
                                             model.value().config().vocab_size, tg.data(), nullptr);
  }
  CHECK(total / W == doctest::Approx(v[2]["heldout"]["prose"].get<double>()).epsilon(1e-5));

  const json log = json::parse(moe_test::read_text_file(job["log"].get<std::string>()));
  CHECK(log["train_loss"].size() == 6);
  CHECK(log["train_loss"][5] == v[1]["loss"][3]);
  REQUIRE(log["routing"]["steps"].size() == 3);  // steps 0, 2 and the final 6
  CHECK(log["routing"]["steps"][1]["step"] == 2);
  CHECK(log["routing"]["steps"][1]["topk_ids"].size() == 2);              // layers
  CHECK(log["routing"]["steps"][1]["topk_ids"][0].size() == 2 * 16 * 2);  // rows · T · k
}

TEST_CASE("moe lm analyze --training-log: router saturation at the logged routing steps") {
  const std::string root = make_corpus();
  json job = tiny_job(root);
  job["routing_steps"] = {2, 4};
  job["out"] = lm_train_cli.scratch("saturation_model");
  job["log"] = lm_train_cli.scratch("saturation_model") + "/training_log.json";
  const moe_test::CliRun trained = run_job(job, "saturation");
  INFO(trained.err);
  REQUIRE(trained.status == 0);
  const moe_test::CliRun r = lm_train_cli.run({"analyze", job["out"], "--corpus", root,
                                               "--max-tokens", "32", "--training-log", job["log"]});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const json s = json::parse(r.out)["router_saturation"];
  REQUIRE(s.size() == 4);  // steps 0, 2, 4 and the last, 6
  CHECK(s[0]["step"] == 0);
  CHECK(s[2]["step"] == 4);
  CHECK(s[3]["step"] == 6);
  CHECK(s[3]["per_layer"] == json::array({1.0, 1.0}));  // the final routing against itself

  // Step 0 by hand from the log: the share of each token's top-k that the final routing keeps.
  const json log = json::parse(moe_test::read_text_file(job["log"].get<std::string>()));
  const json& steps = log["routing"]["steps"];
  const int k = 2;
  for (int l = 0; l < 2; ++l) {
    const json& first = steps[0]["topk_ids"][l];
    const json& last = steps[3]["topk_ids"][l];
    int matched = 0;
    for (size_t n = 0; n < first.size(); n += k) {
      for (int a = 0; a < k; ++a) {
        matched += first[n + a] == last[n] || first[n + a] == last[n + 1];
      }
    }
    CHECK(s[0]["per_layer"][l].get<double>() == doctest::Approx(double(matched) / first.size()));
  }

  // A log without routing is refused, naming the file.
  const std::string bare = lm_train_cli.scratch("jobs") + "/no_routing.json";
  write_text_file(bare, json{{"recipe", {{"seq_len", 16}}}}.dump());
  const moe_test::CliRun bad =
      lm_train_cli.run({"analyze", job["out"], "--corpus", root, "--training-log", bare});
  CHECK(bad.status == 2);
  CHECK(bad.err == "error: --training-log: " + bare +
                       ": routing: missing (a training log of moe lm train, with recipe.seq_len "
                       "and routing)\n");
}

TEST_CASE("moe lm train: the written config.json records the recipe's values") {
  const std::string root = make_corpus();
  json job = tiny_job(root);
  job["model"]["rms_norm_eps"] = 1e-6;
  job["model"]["rope_theta"] = 500.0;
  job["balancing"] = {{"switch_aux", 0.02}, {"z_loss", 0.001}};
  job["steps"] = 1;
  job["routing_steps"] = json::array();
  job["dtype"] = "f16";
  job["out"] = lm_train_cli.scratch("config_model");
  const moe_test::CliRun r = run_job(job, "config");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string text = moe_test::read_text_file(job["out"].get<std::string>() + "/config.json");
  const json written = json::parse(text);
  // Every model field of the recipe is written as the recipe gave it.
  for (const auto& field : job["model"].items()) {
    INFO(field.key());
    CHECK(written[field.key()] == field.value());
  }
  CHECK(written["router_aux_loss_coef"].get<double>() == 0.02);  // balancing.switch_aux
  CHECK(text.find("\"rms_norm_eps\": 1e-06") != std::string::npos);
  CHECK(written["torch_dtype"] == "float16");
  CHECK(written["vocab_size"] == 300);
  // Generation stops at the tokenizer's end-of-text token.
  moe::Result<moe::text::Tokenizer> tok =
      moe::text::tokenizer_from_json(moe_test::read_text_file(root + "/tokenizer.json"));
  REQUIRE(tok.ok());
  const int32_t eos = tok.value().vocab_size() - 1;  // bpe_train puts the special token last
  CHECK(tok.value().is_special(eos));
  CHECK(tok.value().token_bytes(eos) == "<|endoftext|>");
  CHECK(written["eos_token_id"] == eos);

  // The coefficient has one home in the recipe: balancing.switch_aux.
  job["model"]["router_aux_loss_coef"] = 0.5;
  const moe_test::CliRun twice = run_job(job, "config_twice");
  CHECK(twice.status == 2);
  CHECK(twice.err.find("model.router_aux_loss_coef: comes from balancing.switch_aux") !=
        std::string::npos);
}

TEST_CASE(
    "moe lm train: a DeepSeek-style run (sigmoid, loss-free bias, shared expert) writes a folder") {
  const std::string root = make_corpus();
  json job = tiny_job(root);
  job["router_kind"] = "sigmoid_grouped_topk_bias";
  job["model"]["n_shared_experts"] = 1;
  job["balancing"] = {{"seq_aux", 0.001}, {"bias_gamma", 0.01}};
  job["routing_steps"] = json::array();
  job["out"] = lm_train_cli.scratch("deepseek_model");
  const moe_test::CliRun r = run_job(job, "deepseek");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string dir = job["out"];
  const json written = json::parse(moe_test::read_text_file(dir + "/config.json"));
  CHECK(written["model_type"] == "moe_tutor");
  CHECK(written["scoring_func"] == "sigmoid");
  CHECK(written["n_shared_experts"] == 1);
  moe::Result<moe::lm::LmModel> model = moe::lm::LmModel::load(
      moe_test::read_text_file(dir + "/config.json"),
      moe_test::as_bytes(moe_test::read_text_file(dir + "/model.safetensors")));
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  CHECK(model.value().config().router_kind == moe::RouterKind::sigmoid_grouped_topk_bias);
  const moe::lm::LmWeights w = model.value().weights();
  CHECK(w.layers[0].moe.correction_bias.size() == 4);
  CHECK(w.layers[1].moe.shared_expert.w2.size() == 16 * 12);  // [d, 1 · f]

  // A capacity router cannot be written (LmModel has no training windows to group by).
  json capacity = tiny_job(root);
  capacity["router_kind"] = "softmax_top1_capacity";
  capacity["model"]["num_experts_per_tok"] = 1;
  capacity["out"] = lm_train_cli.scratch("capacity_model");
  const moe_test::CliRun refused = run_job(capacity, "capacity");
  CHECK(refused.status == 2);
  CHECK(refused.err.find("out: a checkpoint cannot hold the capacity router "
                         "softmax_top1_capacity") != std::string::npos);
}

TEST_CASE("moe lm train: bad TRAIN.json fields exit 2 naming the field") {
  const std::string root = make_corpus();
  struct Bad {
    const char* name;
    json patch;
    std::string message;
  };
  const Bad cases[] = {
      {"unknown", {{"learning_rate", 1}}, "learning_rate: unknown field (see moe lm train --help)"},
      {"steps", {{"steps", 0}}, "steps: must be an integer between 1 and 10000000, got 0"},
      {"router_kind",
       {{"router_kind", "soft_moe"}},
       "router_kind: must be softmax_topk_renorm, softmax_topk, "
       "sigmoid_grouped_topk_bias, softmax_top1_capacity or topk_capacity, "
       "got \"soft_moe\""},
      {"seq_len",
       {{"seq_len", 40}},
       "seq_len: must be between 1 and max_position_embeddings (32), got 40"},
      {"dtype", {{"dtype", "f8"}}, "dtype: must be \"f32\", \"f16\" or \"bf16\", got \"f8\""},
      {"balancing",
       {{"balancing", {{"alpha", 1}}}},
       "balancing.alpha: unknown field (see moe lm train --help)"},
  };
  for (const Bad& b : cases) {
    json job = tiny_job(root);
    job.update(b.patch);
    const moe_test::CliRun r = run_job(job, b.name);
    const std::string path = lm_train_cli.scratch("jobs") + "/" + b.name + ".json";
    CHECK(r.status == 2);
    CHECK(r.err == "error: " + path + ": " + b.message + "\n");
  }
  json job = tiny_job(root);
  job["model"]["num_key_value_heads"] = 3;
  const moe_test::CliRun r = run_job(job, "heads");
  CHECK(r.status == 2);
  CHECK(r.err.find("model.num_key_value_heads: must divide num_attention_heads (2)") !=
        std::string::npos);
  job = tiny_job(root);
  job["domains"] = {"poetry"};
  const moe_test::CliRun missing = run_job(job, "missing");
  CHECK(missing.status == 2);
  CHECK(missing.err == "error: " + root +
                           "/poetry/train.txt: cannot open file (build the corpus: "
                           "npm run lm:corpus)\n");
}

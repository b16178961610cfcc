// The shipped checkpoints of `npm run lm:train` (web/public/models/<name>/): re-training the first
// steps of the recipe stored in the training log gives the logged losses, and `moe lm eval` of the
// committed folder gives its logged held-out loss per domain. Native only (the corpus is built by
// scripts/setup.sh into build/lm-corpus; wasm has no file system to read it from).
#ifndef __EMSCRIPTEN__

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_command.hpp"
#include "lm_test_support.hpp"
#include "lm_train_command.hpp"

namespace {

using nlohmann::json;

std::string repo_path(const std::string& rel) {
  return (std::filesystem::path(MOE_ORACLE_LM_DIR) / ".." / ".." / rel).lexically_normal().string();
}

const char* const kShipped[] = {"moe-lm", "dense-lm"};

// The committed folder of shipped model `name` (the tests fail, not skip, when it is missing).
std::string shipped_folder(const char* name) {
  const std::string folder = repo_path(std::string("web/public/models/") + name);
  REQUIRE_MESSAGE(std::filesystem::exists(folder + "/training_log.json"),
                  folder << " is not there: the shipped models are committed (npm run lm:train)");
  return folder;
}

json read_log(const std::string& folder) {
  const std::string text = moe_test::read_text_file(folder + "/training_log.json");
  REQUIRE_MESSAGE(!text.empty(), "cannot read " << folder << "/training_log.json");
  return json::parse(text);
}

}  // namespace

TEST_CASE("lm shipped: re-training the first steps of the recipe gives the logged losses") {
  for (const char* name : kShipped) {
    const std::string folder = shipped_folder(name);
    INFO(name);
    const json log = read_log(folder);
    json recipe = log["recipe"];
    const int steps = 5;  // inside the warm-up: the schedule does not depend on the total
    REQUIRE(recipe["warmup"].get<int>() >= steps);
    recipe["steps"] = steps;
    recipe["chunk"] = steps;
    recipe["eval_windows"] = 1;
    recipe["routing_steps"] = json::array();
    recipe["corpus"] = repo_path("build/lm-corpus");
    recipe["tokenizer"] = folder + "/tokenizer.json";
    recipe.erase("out");
    recipe.erase("log");
    const std::string path =
        (std::filesystem::temp_directory_path() / "moe_lm_shipped.json").string();
    {
      std::ofstream f(path);
      f << recipe.dump();
    }
    const moe_test::CliRun r = moe_test::run_cli(moe::cli::run_lm, {"train", path});
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json first = json::parse(r.out.substr(0, r.out.find('\n')));
    for (int s = 0; s < steps; ++s) {
      CHECK(std::abs(first["loss"][s].get<double>() - log["train_loss"][s].get<double>()) < 1e-4);
    }
  }
}

TEST_CASE("lm shipped: moe lm eval of the committed checkpoint gives the logged held-out loss") {
  for (const char* name : kShipped) {
    const std::string folder = shipped_folder(name);
    INFO(name);
    const json log = read_log(folder);
    const int T = log["recipe"]["seq_len"];
    const int64_t windows = log["recipe"]["eval_windows"];
    // The recipe's eval_windows windows of seq_len tokens: --max-tokens W·T, --context T.
    const moe_test::CliRun r = moe_test::run_cli(
        moe::cli::run_lm, {"eval", folder, "--corpus", repo_path("build/lm-corpus"), "--max-tokens",
                           std::to_string(windows * T), "--context", std::to_string(T)});
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json out = json::parse(r.out);
    const json& trained = log["heldout"].back();  // the trainer's evaluation after the last step
    REQUIRE(trained["step"] == log["recipe"]["steps"]);
    REQUIRE(out["domains"].size() == log["checkpoint_heldout"].size());
    for (const json& d : out["domains"]) {
      const std::string domain = d["name"];
      INFO(domain);
      CHECK(d["tokens"].get<int64_t>() == windows * T);
      // The folder as written (F16 weights) through the inference path: the logged value.
      CHECK(std::abs(d["loss"].get<double>() - log["checkpoint_heldout"][domain].get<double>()) <
            1e-5);
      // The trainer's F32 weights on the same windows: F16 rounding moves it by < 1e-3.
      CHECK(std::abs(d["loss"].get<double>() - trained["heldout"][domain].get<double>()) < 1e-3);
    }
  }
}

#endif  // __EMSCRIPTEN__

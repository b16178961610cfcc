// `moe train CONFIG.json` and `moe bench-train [CONFIG.json]`: live training from the command
// line, one JSON object per chunk, then a summary (see engine/README.md, "Training config").
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "moe/train/trainer.hpp"

namespace {

using nlohmann::json;

constexpr const char* kTrainUsage =
    "usage: moe train CONFIG.json\n"
    "\n"
    "Trains one MoE layer as CONFIG.json says (engine/README.md, \"Training config\") and prints\n"
    "one JSON object per chunk of `chunk` steps:\n"
    "  {\"step\": steps done, \"loss\": [per step], \"aux_loss\": [per step],\n"
    "   \"expert_load\": [per step][E] fractions, \"router_prob\": [E] mean router probability\n"
    "   P_e of the chunk's last step, \"selection_bias\": [E] (aux_free_bias runs only),\n"
    "   \"elapsed_ms\": wall time of the chunk}\n"
    "then a summary over the whole dataset:\n"
    "  {\"final_expert_load\": [E], \"final_router_prob\": [E], \"final_switch_term\": [E]\n"
    "   (E·f_e·P_e), \"load_cv\", \"max_share\", \"loss\", \"nmi_surface\",\n"
    "   \"nmi_topic\" (tokens task) or \"nmi_cluster\" (clusters task), \"steps_per_second\"}\n";

constexpr const char* kBenchUsage =
    "usage: moe bench-train [CONFIG.json] [--steps N]\n"
    "\n"
    "Times training steps (after 50 warm-up steps) and prints {\"steps\", \"seconds\",\n"
    "\"steps_per_second\", \"tokens_per_second\"}. Without CONFIG.json it uses the reference\n"
    "config: tokens task, 8 experts, d_model 32, d_ff 64, batch 256, top-2, swiglu, Adam.\n";

double round6(double v) {
  return std::isfinite(v) ? std::round(v * 1e6) / 1e6 : v;
}

json floats(const float* v, size_t n) {
  json a = json::array();
  for (size_t i = 0; i < n; ++i) a.push_back(round6(v[i]));
  return a;
}

bool read_file(const std::string& path, std::string& text) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream buffer;
  buffer << file.rdbuf();
  text = buffer.str();
  return true;
}

}  // namespace

int train_command(int argc, char** argv) {
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (moe::cli::answered_help(args, std::cout, kTrainUsage)) return 0;
  if (args.size() != 1)
    return moe::cli::fail(std::cerr, "moe train: expected one CONFIG.json argument (see --help)");
  std::string text;
  if (!read_file(args[0], text)) return moe::cli::fail(std::cerr, args[0] + ": cannot open file");
  moe::Result<moe::train::TrainConfig> config = moe::train::parse_train_config(text);
  if (!config.ok()) return moe::cli::fail(std::cerr, config.error().message());
  moe::Result<moe::train::Trainer> created = moe::train::Trainer::create(config.value());
  if (!created.ok()) return moe::cli::fail(std::cerr, created.error().message());
  moe::train::Trainer& trainer = created.value();
  const int E = config.value().layer.num_experts;
  double total_ms = 0;
  while (trainer.step() < config.value().steps) {
    const int n = std::min(config.value().chunk, config.value().steps - trainer.step());
    const auto t0 = std::chrono::steady_clock::now();
    const moe::train::ChunkResult r = trainer.run(n);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    total_ms += ms;
    json loads = json::array();
    for (int i = 0; i < r.steps; ++i) loads.push_back(floats(r.expert_load.data() + i * E, E));
    json line = {{"step", trainer.step()},
                 {"loss", floats(r.loss.data(), r.loss.size())},
                 {"aux_loss", floats(r.aux_loss.data(), r.aux_loss.size())},
                 {"expert_load", std::move(loads)},
                 {"router_prob", floats(r.router_prob.data() + (r.steps - 1) * E, E)},
                 {"elapsed_ms", std::round(ms * 1000) / 1000}};
    if (config.value().balancing == moe::train::BalancingKind::aux_free_bias) {
      line["selection_bias"] = floats(r.selection_bias.data(), r.selection_bias.size());
    }
    std::cout << line.dump() << "\n";
  }
  const moe::train::TrainStats st = trainer.stats();
  json summary = {{"final_expert_load", floats(st.expert_load.data(), st.expert_load.size())},
                  {"final_router_prob", floats(st.router_prob.data(), st.router_prob.size())},
                  {"final_switch_term", floats(st.switch_term.data(), st.switch_term.size())},
                  {"load_cv", round6(st.load_cv)},
                  {"max_share", round6(st.max_share)},
                  {"loss", round6(st.task_loss)}};
  if (st.has_surface) summary["nmi_surface"] = round6(st.nmi_surface);
  if (st.has_topic) summary["nmi_topic"] = round6(st.nmi_topic);
  if (st.has_cluster) summary["nmi_cluster"] = round6(st.nmi_cluster);
  summary["steps_per_second"] = total_ms > 0 ? std::round(trainer.step() / (total_ms / 1000)) : 0;
  std::cout << summary.dump() << "\n";
  return 0;
}

int bench_train_command(int argc, char** argv) {
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (moe::cli::answered_help(args, std::cout, kBenchUsage)) return 0;
  std::string text = R"({"task": "tokens", "num_experts": 8, "d_model": 32, "d_ff": 64,
                         "batch": 256, "top_k": 2, "optimizer": "adam", "lr": 0.003})";
  int steps = 1000;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--steps" && i + 1 < args.size()) {
      steps = std::atoi(args[++i].c_str());
      if (steps < 1) return moe::cli::fail(std::cerr, "moe bench-train: --steps: must be >= 1");
    } else if (!read_file(args[i], text)) {
      return moe::cli::fail(std::cerr, args[i] + ": cannot open file");
    }
  }
  moe::Result<moe::train::TrainConfig> config = moe::train::parse_train_config(text);
  if (!config.ok()) return moe::cli::fail(std::cerr, config.error().message());
  moe::Result<moe::train::Trainer> created = moe::train::Trainer::create(config.value());
  if (!created.ok()) return moe::cli::fail(std::cerr, created.error().message());
  moe::train::Trainer& trainer = created.value();
  trainer.run(50);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  trainer.run(steps);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const json out = {{"steps", steps},
                    {"seconds", round6(s)},
                    {"steps_per_second", std::round(steps / s)},
                    {"tokens_per_second", std::round(steps * config.value().batch / s)}};
  std::cout << out.dump() << "\n";
  return 0;
}

// `moe`: the engine's command line, for tests, scripting and comparing with the oracle cases.
//   moe forward CASE.json   run an oracle-format case, print the engine's values as one JSON object
// Bad input exits with status 2 and one line `error: <where>: <reason>` on stderr.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "moe/aux_loss.hpp"
#include "moe/layer.hpp"
#include "moe/oracle_case.hpp"
#include "moe/router.hpp"

namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: moe <command> [options]\n"
    "\n"
    "MoE Tutor engine command line.\n"
    "\n"
    "commands:\n"
    "  forward CASE.json   run one oracle-format case and print the engine's values as JSON\n"
    "  train CONFIG.json   train a layer, print one JSON line per chunk and a summary\n"
    "  bench-train         time training steps of the reference config (steps/s)\n"
    "\n"
    "options:\n"
    "  -h, --help          show this help (also: moe <command> --help)\n"
    "\n"
    "Bad input exits with status 2 and prints `error: <where>: <reason>` on stderr.\n";

constexpr const char* kForwardUsage =
    "usage: moe forward CASE.json\n"
    "\n"
    "Reads a case in the oracle format (tests/oracle/, see shared/oracle/README.md) and prints "
    "one\n"
    "JSON object with the values the engine computes, under the names of the case's `expected`:\n"
    "  layer cases (families mixtral, qwen2_moe without shared expert):\n"
    "    name, family, output [T][d], router_logits [T][E], router_probs [T][E],\n"
    "    topk_indices [T][k], topk_weights [T][k], expert_token_counts [E], aux_loss\n"
    "  load-balancing cases (family mixtral_aux_loss):\n"
    "    name, family, aux_loss, aux_loss_without_mask, topk_indices [L][B*S][k]\n"
    "Router kinds supported: softmax_topk, softmax_topk_renorm. Other kinds, capacity factors and\n"
    "shared experts are reported as errors (exit 2).\n";

int fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 2;
}

// A float as the JSON number with the shortest decimal that reads back as the same float32.
json number(float v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return json(std::strtod(std::string(buf, res.ptr).c_str(), nullptr));
}

json matrix(const float* data, int rows, int cols) {
  json m = json::array();
  for (int r = 0; r < rows; ++r) {
    json row = json::array();
    for (int c = 0; c < cols; ++c) row.push_back(number(data[r * cols + c]));
    m.push_back(std::move(row));
  }
  return m;
}

json int_matrix(const int32_t* data, int rows, int cols) {
  json m = json::array();
  for (int r = 0; r < rows; ++r) {
    json row = json::array();
    for (int c = 0; c < cols; ++c) row.push_back(data[r * cols + c]);
    m.push_back(std::move(row));
  }
  return m;
}

int forward_layer_case(const std::string& text) {
  moe::Result<moe::OracleCase> parsed = moe::parse_case(text);
  if (!parsed.ok()) return fail(parsed.error().message());
  moe::OracleCase& oc = parsed.value();
  if (oc.num_shared_experts > 0) {
    return fail("config.num_shared_experts: shared experts are not supported yet, got " +
                std::to_string(oc.num_shared_experts));
  }
  moe::Layer layer(oc.config, std::move(oc.weights));
  moe::Result<const moe::Trace*> run = layer.forward(oc.input.data(), oc.input.size(), oc.tokens);
  if (!run.ok()) return fail(run.error().message());
  const moe::Trace& tr = *run.value();
  const int T = tr.tokens, E = tr.num_experts, k = tr.top_k, d = tr.d_model;
  json out = {{"name", oc.name}, {"family", oc.family}};
  out["output"] = matrix(tr.output.data(), T, d);
  out["router_logits"] = matrix(tr.router_logits.data(), T, E);
  out["router_probs"] = matrix(tr.router_probs.data(), T, E);
  out["topk_indices"] = int_matrix(tr.topk_ids.data(), T, k);
  out["topk_weights"] = matrix(tr.topk_weights.data(), T, k);
  out["expert_token_counts"] = tr.expert_load;
  out["aux_loss"] = number(tr.aux_loss);
  std::cout << out.dump() << "\n";
  return 0;
}

int forward_aux_loss_case(const std::string& text) {
  moe::Result<moe::AuxLossCase> parsed = moe::parse_aux_loss_case(text);
  if (!parsed.ok()) return fail(parsed.error().message());
  const moe::AuxLossCase& ac = parsed.value();
  const int n = ac.num_layers * ac.tokens_per_layer, E = ac.num_experts, k = ac.top_k;
  std::vector<float> probs(static_cast<size_t>(n) * E);  // [L·N, E]
  std::vector<int32_t> ids(static_cast<size_t>(n) * k);  // [L·N, k]
  moe::router_compute_probs(ac.gate_logits.data(), n, E, probs.data());
  moe::router_select_topk(probs.data(), n, E, k, ids.data());
  const uint8_t* mask = ac.mask.empty() ? nullptr : ac.mask.data();
  json out = {{"name", ac.name}, {"family", "mixtral_aux_loss"}};
  out["aux_loss"] = number(moe::load_balancing_loss(probs.data(), ids.data(), n, E, k, mask));
  out["aux_loss_without_mask"] =
      number(moe::load_balancing_loss(probs.data(), ids.data(), n, E, k, nullptr));
  json layers = json::array();
  for (int l = 0; l < ac.num_layers; ++l) {
    layers.push_back(int_matrix(ids.data() + static_cast<size_t>(l) * ac.tokens_per_layer * k,
                                ac.tokens_per_layer, k));
  }
  out["topk_indices"] = std::move(layers);
  std::cout << out.dump() << "\n";
  return 0;
}

int forward_command(int argc, char** argv) {
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kForwardUsage;
      return 0;
    }
  }
  if (args.size() != 1) return fail("moe forward: expected one CASE.json argument (see --help)");
  std::ifstream file(args[0], std::ios::binary);
  if (!file) return fail(args[0] + ": cannot open file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  // Aux-loss-only cases carry gate logits instead of a layer; tell them apart by family.
  const json root = json::parse(text, nullptr, false);
  const json* family = nullptr;
  if (root.is_object() && root.contains("config") && root["config"].is_object() &&
      root["config"].contains("family")) {
    family = &root["config"]["family"];
  }
  const bool aux = family != nullptr && family->is_string() && *family == "mixtral_aux_loss";
  return aux ? forward_aux_loss_case(text) : forward_layer_case(text);
}

}  // namespace

int train_command(int argc, char** argv);        // train_command.cpp
int bench_train_command(int argc, char** argv);  // train_command.cpp

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "forward") return forward_command(argc, argv);
  if (command == "train") return train_command(argc, argv);
  if (command == "bench-train") return bench_train_command(argc, argv);
  return fail("moe: unknown command \"" + command + "\" (see moe --help)");
}

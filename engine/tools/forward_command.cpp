#include "forward_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "moe/io/oracle_case.hpp"
#include "moe/layer/aux_loss.hpp"
#include "moe/layer/layer.hpp"
#include "moe/routing/router.hpp"

namespace moe::cli {

const char* const kForwardUsage =
    "usage: moe forward CASE.json\n"
    "\n"
    "Runs a case in the oracle format (tests/oracle/, shared/oracle/README.md) through the full\n"
    "MoE layer and prints one JSON object whose fields are the `expected` fields of the case's\n"
    "family:\n"
    "  mixtral              output, router_logits, topk_indices, topk_weights,\n"
    "                       expert_token_counts, aux_loss\n"
    "  qwen2_moe            the mixtral fields + shared_expert_output_ungated,\n"
    "                       shared_expert_gate_logit\n"
    "  switch_transformers  output, router_logits, router_probs, topk_indices, topk_weights,\n"
    "                       dropped, expert_index_returned, expert_token_counts,\n"
    "                       expert_token_counts_before_capacity, z_loss, aux_loss,\n"
    "                       aux_loss_with_pre_capacity_indices\n"
    "  deepseek_v3          output, router_logits, topk_indices, topk_weights,\n"
    "                       expert_token_counts, shared_expert_output\n"
    "  mixtral_aux_loss     aux_loss, aux_loss_without_mask, topk_indices [L][B*S][k]\n"
    "  (no family)          output, router_logits, router_probs, topk_indices, topk_weights,\n"
    "                       dropped, expert_token_counts, expert_token_counts_before_capacity,\n"
    "                       aux_loss, z_loss (+ shared_expert_output with a shared expert)\n"
    "\n"
    "config.router_kind: softmax_topk, softmax_topk_renorm, noisy_topk, softmax_top1_capacity,\n"
    "topk_capacity, sigmoid_grouped_topk_bias, expert_choice, soft_moe (engine/README.md).\n"
    "Limits: file <= 64 MiB, nesting <= 64 levels, weights + activations <= 64 Mi floats.\n"
    "Bad input: exit status 2 and one line `error: <where>: <reason>` on stderr.\n";

using nlohmann::json;

json number(float v) {
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return json(std::strtod(buf, nullptr));
}

namespace {

json floats(const std::vector<float>& v) {
  json a = json::array();
  for (float x : v) a.push_back(number(x));
  return a;
}

// Every field a family's `expected` defines, from the trace.
json layer_fields(const OracleCase& oc, const Trace& tr) {
  const int T = tr.tokens, E = tr.num_experts, s = tr.slots, d = tr.d_model;
  const int R = oc.config.router_rows();
  const std::string& family = oc.family;
  json out = json::object();
  out["output"] = rows_json(tr.output.data(), T, d);
  out["router_logits"] = rows_json(tr.router_logits.data(), T, R);
  out["topk_indices"] = rows_json(tr.topk_ids.data(), T, s);
  out["topk_weights"] = rows_json(tr.topk_weights.data(), T, s);
  out["expert_token_counts"] = tr.counts_after_capacity;
  json dropped = json::array();
  for (uint8_t x : tr.dropped) dropped.push_back(x != 0);
  if (family == "mixtral" || family == "qwen2_moe") {
    out["aux_loss"] = number(tr.losses.aux_loss);
  } else if (family == "switch_transformers") {
    out["router_probs"] = rows_json(tr.router_probs.data(), T, E);
    out["dropped"] = dropped;
    out["expert_index_returned"] = tr.expert_index_returned;
    out["expert_token_counts_before_capacity"] = tr.counts_before_capacity;
    out["z_loss"] = number(tr.losses.z_loss);
    out["aux_loss"] = number(tr.losses.aux_loss_switch);
    out["aux_loss_with_pre_capacity_indices"] = number(tr.losses.aux_loss_switch_pre_capacity);
  } else if (family != "deepseek_v3") {  // no family: the general set
    out["router_probs"] = rows_json(tr.router_probs.data(), T, E);
    out["dropped"] = dropped;
    out["expert_token_counts_before_capacity"] = tr.counts_before_capacity;
    out["aux_loss"] = number(tr.losses.aux_loss);
    out["z_loss"] = number(tr.losses.z_loss);
  }
  if (!tr.shared_expert_output.empty()) {
    json shared = rows_json(tr.shared_expert_output.data(), T, d);
    if (family == "qwen2_moe" || !tr.shared_expert_gate_logit.empty()) {
      out["shared_expert_output_ungated"] = std::move(shared);
      out["shared_expert_gate_logit"] = floats(tr.shared_expert_gate_logit);
    } else {
      out["shared_expert_output"] = std::move(shared);
    }
  }
  return out;
}

int forward_layer(OracleCase& oc, std::ostream& out, std::ostream& err) {
  Layer layer(oc.config, std::move(oc.weights));
  Result<const Trace*> run = layer.forward(oc.input.data(), oc.input.size(), oc.tokens);
  if (!run.ok()) return fail(err, run.error().message());
  out << layer_fields(oc, *run.value()).dump() << "\n";
  return 0;
}

// Mixtral's load_balancing_loss_func on given gate logits (M1, M2).
int forward_aux_loss(const AuxLossCase& ac, std::ostream& out) {
  const int n = ac.num_layers * ac.tokens_per_layer, E = ac.num_experts, k = ac.top_k;
  std::vector<float> probs(static_cast<size_t>(n) * E);  // [L·N, E]
  std::vector<int32_t> ids(static_cast<size_t>(n) * k);  // [L·N, k]
  router_compute_probs(ac.gate_logits.data(), n, E, probs.data());
  router_select_topk(probs.data(), n, E, k, ids.data());
  const uint8_t* mask = ac.mask.empty() ? nullptr : ac.mask.data();
  json o = json::object();
  o["aux_loss"] = number(load_balancing_loss(probs.data(), ids.data(), n, E, k, mask));
  o["aux_loss_without_mask"] =
      number(load_balancing_loss(probs.data(), ids.data(), n, E, k, nullptr));
  json layers = json::array();
  for (int l = 0; l < ac.num_layers; ++l) {
    layers.push_back(rows_json(ids.data() + static_cast<size_t>(l) * ac.tokens_per_layer * k,
                               ac.tokens_per_layer, k));
  }
  o["topk_indices"] = std::move(layers);
  out << o.dump() << "\n";
  return 0;
}

}  // namespace

int forward_text(const std::string& text, std::ostream& out, std::ostream& err) {
  Result<AnyCase> parsed = parse_any_case(text);
  if (!parsed.ok()) return fail(err, parsed.error().message());
  AnyCase& any = parsed.value();
  return any.is_aux_loss ? forward_aux_loss(any.aux, out) : forward_layer(any.layer, out, err);
}

int run_forward(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (answered_help(args, out, kForwardUsage)) return 0;
  if (args.size() != 1) {
    return fail(err, "moe forward: expected one CASE.json argument, got " +
                         std::to_string(args.size()) + " (see moe forward --help)");
  }
  const std::string& path = args[0];
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return fail(err, path + ": cannot open file");
  const std::streamoff size = file.tellg();
  constexpr std::streamoff kMaxBytes = 64LL << 20;
  if (size < 0) return fail(err, path + ": cannot read file");
  if (size == 0) return fail(err, path + ": empty file");
  if (size > kMaxBytes) {
    return fail(err, path + ": file is " + std::to_string(size) + " bytes, above the cap of " +
                         std::to_string(kMaxBytes) + " bytes");
  }
  file.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  if (!file.read(text.data(), size)) return fail(err, path + ": cannot read file");
  return forward_text(text, out, err);
}

}  // namespace moe::cli

// The router kinds' names, and the inference-only router options of a layer config (noise, expert
// capacity, groups, DeepSeek-V3 groups, Switch's bias and residual, shared experts); the fields
// inference shares with training are read by read_layer_fields (config.cpp). The table of which
// kind reads which option is in engine/README.md.
#include <array>
#include <cmath>
#include <utility>

#include "moe/spec/config.hpp"
#include "spec/json_fields.hpp"

namespace moe {

using detail::json;

namespace {

constexpr detail::EnumNames<RouterKind, 8> kKinds = {{
    {"softmax_topk", RouterKind::softmax_topk},
    {"softmax_topk_renorm", RouterKind::softmax_topk_renorm},
    {"noisy_topk", RouterKind::noisy_topk},
    {"softmax_top1_capacity", RouterKind::softmax_top1_capacity},
    {"topk_capacity", RouterKind::topk_capacity},
    {"sigmoid_grouped_topk_bias", RouterKind::sigmoid_grouped_topk_bias},
    {"expert_choice", RouterKind::expert_choice},
    {"soft_moe", RouterKind::soft_moe},
}};

using detail::given;

// input_shape [B, S, d]: B groups of S tokens (Switch groups = batch rows); d must be d_model.
detail::MaybeError read_input_shape(const json& config, const std::string& where, LayerConfig& c,
                                    int& batch, int& seq) {
  if (!given(config, "input_shape")) return std::nullopt;
  const json& v = config["input_shape"];
  const std::string name = detail::field(where, "input_shape");
  if (!v.is_array() || v.size() != 3) {
    return Error{name, "must be [batch, seq_len, d_model], got " + detail::describe(v)};
  }
  int64_t dims[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const json& x = v[static_cast<size_t>(i)];
    if (!x.is_number_integer() || x.get<int64_t>() < 1 || x.get<int64_t>() > kMaxTokens) {
      return Error{name + "[" + std::to_string(i) + "]", "must be an integer between 1 and " +
                                                             std::to_string(kMaxTokens) + ", got " +
                                                             detail::describe(x)};
    }
    dims[i] = x.get<int64_t>();
  }
  if (dims[2] != c.d_model) {
    return Error{name + "[2]", "must equal d_model (" + std::to_string(c.d_model) + "), got " +
                                   std::to_string(dims[2])};
  }
  batch = static_cast<int>(dims[0]);
  seq = static_cast<int>(dims[1]);
  return std::nullopt;
}

detail::MaybeError read_shared_expert(const json& config, const std::string& where,
                                      LayerConfig& c) {
  if (auto err = detail::read_optional_int(config, "num_shared_experts", where, 0, 64,
                                           c.num_shared_experts)) {
    return err;
  }
  const int64_t default_width = int64_t{c.d_ff} * c.num_shared_experts;  // D5
  c.shared_expert_d_ff = 0;
  if (c.num_shared_experts > 0) {
    if (given(config, "shared_expert_d_ff")) {
      if (auto err = detail::read_optional_int(config, "shared_expert_d_ff", where, 1, kMaxDim,
                                               c.shared_expert_d_ff)) {
        return err;
      }
    } else if (default_width > kMaxDim) {
      return Error{detail::field(where, "num_shared_experts"),
                   "d_ff · num_shared_experts = " + std::to_string(default_width) +
                       " is above the width cap of " + std::to_string(kMaxDim)};
    } else {
      c.shared_expert_d_ff = static_cast<int>(default_width);
    }
  }
  // Qwen2-MoE's oracle spells the gate as prose ("sigmoid(shared_expert_gate(x)) ..."); a spec
  // says true. Absent, null or false: ungated (DeepSeek-V3).
  if (given(config, "shared_expert_gate")) {
    const json& g = config["shared_expert_gate"];
    if (!g.is_boolean() && !g.is_string()) {
      return Error{detail::field(where, "shared_expert_gate"),
                   "must be true, false, null or a description, got " + detail::describe(g)};
    }
    c.shared_expert_gated = g.is_string() || g.get<bool>();
    if (c.shared_expert_gated && c.num_shared_experts == 0) {
      return Error{detail::field(where, "shared_expert_gate"),
                   "a gated shared expert needs num_shared_experts >= 1"};
    }
  }
  return std::nullopt;
}

detail::MaybeError check_kind(const std::string& where, const LayerConfig& c) {
  using detail::field;
  const std::string kind(to_string(c.router_kind));
  if (!has_expert_capacity(c.router_kind) && c.expert_capacity >= 0) {
    return Error{field(where, "expert_capacity"),
                 kind + " has no expert capacity (capacity kinds: " + kCapacityKindNames + ")"};
  }
  if (c.router_kind == RouterKind::sigmoid_grouped_topk_bias) {
    if (c.num_experts % c.n_group != 0) {
      return Error{field(where, "n_group"), "must divide num_experts (" +
                                                std::to_string(c.num_experts) + "), got " +
                                                std::to_string(c.n_group)};
    }
    if (c.topk_group > c.n_group) {
      return Error{field(where, "topk_group"), "must be between 1 and n_group (" +
                                                   std::to_string(c.n_group) + "), got " +
                                                   std::to_string(c.topk_group)};
    }
    const int reachable = c.topk_group * (c.num_experts / c.n_group);
    if (c.top_k > reachable) {
      return Error{field(where, "top_k"), "must be <= topk_group · num_experts / n_group (" +
                                              std::to_string(reachable) + "), got " +
                                              std::to_string(c.top_k)};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RouterKind kind) {
  return detail::name_of(kKinds, kind);
}

bool has_expert_capacity(RouterKind k) {
  return k == RouterKind::softmax_top1_capacity || k == RouterKind::topk_capacity ||
         k == RouterKind::expert_choice;
}

bool router_kind_from_string(std::string_view name, RouterKind& out) {
  return detail::value_of(kKinds, name, out);
}

int LayerConfig::slots_per_token() const {
  if (router_kind == RouterKind::expert_choice) return num_experts;
  if (router_kind == RouterKind::soft_moe) return num_experts * slots_per_expert;
  return top_k;
}

Result<bool> parse_router_options(const json& config, const std::string& where, LayerConfig& c) {
  using detail::field;
  if (auto err = detail::read_optional_bool(config, "norm_topk_prob", where, c.norm_topk_prob)) {
    return *err;
  }
  if (given(config, "mode")) {
    std::string mode;
    if (auto err = detail::read_string(config, "mode", where, mode)) return *err;
    if (mode != "train" && mode != "eval") {
      return Error{field(where, "mode"), "must be \"train\" or \"eval\", got \"" + mode + "\""};
    }
    c.train_mode = mode == "train";
  }
  if (given(config, "noise_seed")) {
    int64_t seed = 0;
    if (auto err = detail::read_int(config, "noise_seed", where, 0, int64_t{1} << 53, seed)) {
      return *err;
    }
    c.noise_seed = static_cast<uint64_t>(seed);
  }
  if (auto err = detail::read_optional_int(config, "expert_capacity", where, 0, kMaxTokens,
                                           c.expert_capacity)) {
    return *err;
  }
  int batch = 0, seq = 0;
  if (auto err = read_input_shape(config, where, c, batch, seq)) return *err;
  c.num_groups = batch;
  c.tokens_per_group = seq;
  if (auto err =
          detail::read_optional_int(config, "num_groups", where, 1, kMaxTokens, c.num_groups)) {
    return *err;
  }
  if (auto err = detail::read_optional_int(config, "tokens_per_group", where, 1, kMaxTokens,
                                           c.tokens_per_group)) {
    return *err;
  }
  if (auto err = detail::read_optional_bool(config, "add_residual", where, c.add_residual)) {
    return *err;
  }
  if (auto err = detail::read_optional_bool(config, "router_bias", where, c.router_bias)) {
    return *err;
  }
  if (auto err = detail::read_optional_int(config, "n_group", where, 1, c.num_experts, c.n_group))
    return *err;
  if (auto err =
          detail::read_optional_int(config, "topk_group", where, 1, c.num_experts, c.topk_group)) {
    return *err;
  }
  double scale = c.routed_scaling_factor;
  if (auto err =
          detail::read_optional_number(config, "routed_scaling_factor", where, 0.0, 1e6, scale)) {
    return *err;
  }
  c.routed_scaling_factor = static_cast<float>(scale);
  if (auto err = read_shared_expert(config, where, c)) return *err;
  if (auto err = check_kind(where, c)) return *err;
  return true;
}

}  // namespace moe

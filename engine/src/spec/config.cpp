#include "moe/spec/config.hpp"

#include "spec/json_fields.hpp"

namespace moe {

using detail::json;

namespace {

constexpr detail::EnumNames<Activation, 3> kActivations = {{
    {"relu", Activation::relu},
    {"gelu", Activation::gelu},
    {"silu", Activation::silu},
}};

}  // namespace

std::string_view to_string(Activation act) {
  return detail::name_of(kActivations, act);
}
std::string_view to_string(ExpertKind kind) {
  return kind == ExpertKind::mlp ? "mlp" : "swiglu";
}

int64_t LayerConfig::weight_floats() const {
  const int64_t d = d_model, f = d_ff, e = num_experts, sf = shared_expert_d_ff;
  const int64_t per_matrix = (expert_kind == ExpertKind::swiglu ? 3 : 2);
  int64_t n = int64_t{router_rows()} * d + e * per_matrix * f * d;
  if (router_bias) n += e;                                           // router_bias [E]
  if (router_kind == RouterKind::sigmoid_grouped_topk_bias) n += e;  // correction_bias [E]
  if (router_kind == RouterKind::noisy_topk) n += e * d;             // noise [E, d]
  n += per_matrix * sf * d;                                          // shared expert
  if (shared_expert_gated) n += d;                                   // shared_expert_gate [d]
  return n;
}

int64_t LayerConfig::activation_floats(int64_t tokens) const {
  const int64_t d = d_model, f = d_ff, e = num_experts, r = router_rows();
  const int64_t s = slots_per_token(), sf = shared_expert_d_ff;
  const int64_t hidden = (expert_kind == ExpertKind::swiglu ? 2 : 1) * f;
  const int64_t shared = sf > 0 ? tokens * (d /*ungated*/ + 2 * sf + 2) : 0;
  if (router_kind == RouterKind::soft_moe) {
    const int64_t trace = tokens * (2 * d /*input, output*/ + 3 * r /*logits, D, C*/);
    return trace + r * (3 * d + hidden) /*slot inputs, outputs, workspace*/ + shared + 8 * e;
  }
  const int64_t trace = tokens * (d /*input*/ + 3 * r /*logits, probs, noisy*/ +
                                  5 * s /*ids, weights, kept, combine, pos*/ +
                                  s * d /*expert_outputs*/ + d /*output*/ + 3 /*per token*/);
  const int64_t workspace = tokens * s * (d /*gathered x*/ + hidden + d /*expert y*/);
  return trace + workspace + shared + 8 * e;
}

namespace {

// The oracle files spell expert kinds as prose ("swiglu: w2(silu(w1 x) * w3 x)"), so match on the
// leading word.
bool parse_expert_kind(const std::string& s, ExpertKind& out) {
  if (s.rfind("swiglu", 0) == 0) {
    out = ExpertKind::swiglu;
  } else if (s == "mlp" || s.rfind("dense", 0) == 0) {
    out = ExpertKind::mlp;
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<bool> read_layer_fields(const json& config, const std::string& where,
                               const LayerFieldRules& rules, LayerConfig& c) {
  using detail::field;
  if (!config.is_object())
    return Error{where, "must be an object, got " + detail::describe(config)};
  // Without defaults every size and kind is read, so a missing one is an error.
  const auto reads = [&](std::string_view key) { return !rules.defaults || config.contains(key); };
  const auto read_size = [&](std::string_view key, int64_t lo, int64_t hi, int& out) {
    int64_t v = out;
    detail::MaybeError err =
        reads(key) ? detail::read_int(config, key, where, lo, hi, v) : std::nullopt;
    out = static_cast<int>(v);
    return err;
  };
  if (auto err = read_size("d_model", rules.min_d_model, rules.max_dim, c.d_model)) return *err;
  if (auto err = read_size("d_ff", 1, rules.max_dim, c.d_ff)) return *err;
  if (auto err = read_size("num_experts", 1, rules.max_experts, c.num_experts)) return *err;
  int64_t top_k = c.top_k;
  if (reads("top_k")) {
    if (auto err = detail::read_int(config, "top_k", where, INT64_MIN, INT64_MAX, top_k)) {
      return *err;
    }
  }

  std::string s;
  if (reads("router_kind")) {
    if (auto err = detail::read_string(config, "router_kind", where, s)) return *err;
    if (!router_kind_from_string(s, c.router_kind)) {
      return Error{field(where, "router_kind"), "unknown router kind " +
                                                    detail::describe(config["router_kind"]) +
                                                    " (expected one of " + kRouterKindNames + ")"};
    }
  }
  const std::string kind(to_string(c.router_kind));
  const bool reads_top_k =
      c.router_kind != RouterKind::expert_choice && c.router_kind != RouterKind::soft_moe;
  if (rules.refuse_unread && !reads_top_k && config.contains("top_k")) {
    return Error{field(where, "top_k"),
                 kind + " does not use top_k (" +
                     (c.router_kind == RouterKind::expert_choice
                          ? "capacity_factor sets how many tokens each expert takes"
                          : "every token mixes all slots") +
                     ")"};
  }
  // Without defaults a capacity kind must say its capacity (inference: no default capacity).
  if (!rules.defaults && has_expert_capacity(c.router_kind) &&
      !detail::given(config, "capacity_factor") && !detail::given(config, "expert_capacity")) {
    return Error{field(where, "capacity_factor"),
                 "missing (" + kind + " needs capacity_factor or expert_capacity)"};
  }
  if (c.router_kind == RouterKind::softmax_top1_capacity && !config.contains("top_k")) top_k = 1;
  if (top_k < 1 || top_k > c.num_experts) {
    return Error{field(where, "top_k"), "must be between 1 and num_experts (" +
                                            std::to_string(c.num_experts) + "), got " +
                                            std::to_string(top_k)};
  }
  c.top_k = static_cast<int>(top_k);
  if (c.router_kind == RouterKind::softmax_top1_capacity && c.top_k != 1) {
    return Error{
        field(where, "top_k"),
        "softmax_top1_capacity routes each token to 1 expert, got " + std::to_string(c.top_k)};
  }

  if (reads("activation")) {
    if (auto err = detail::read_string(config, "activation", where, s)) return *err;
    if (!detail::value_of(kActivations, s, c.activation)) {
      return Error{field(where, "activation"), "unknown activation " +
                                                   detail::describe(config["activation"]) +
                                                   " (expected one of relu, gelu, silu)"};
    }
  }
  if (reads("expert_kind")) {
    if (auto err = detail::read_string(config, "expert_kind", where, s)) return *err;
    if (!parse_expert_kind(s, c.expert_kind)) {
      return Error{field(where, "expert_kind"), "unknown expert kind " +
                                                    detail::describe(config["expert_kind"]) +
                                                    " (expected one of mlp, swiglu)"};
    }
  }
  if (c.expert_kind == ExpertKind::swiglu && c.activation != Activation::silu) {
    return Error{field(where, "activation"),
                 "swiglu experts use silu, got \"" + std::string(to_string(c.activation)) + "\""};
  }

  if (detail::given(config, "capacity_factor")) {
    if (!has_expert_capacity(c.router_kind)) {
      return Error{field(where, "capacity_factor"),
                   kind + " has no expert capacity (capacity kinds: " + kCapacityKindNames + ")"};
    }
    if (auto err = detail::read_optional_number(config, "capacity_factor", where, 0.0,
                                                rules.max_capacity_factor, c.capacity_factor)) {
      return *err;
    }
  }
  if (rules.refuse_unread && c.router_kind != RouterKind::soft_moe &&
      detail::given(config, "slots_per_expert")) {
    return Error{field(where, "slots_per_expert"), "only used by soft_moe, not by " + kind};
  }
  if (auto err = detail::read_optional_int(config, "slots_per_expert", where, 1,
                                           rules.max_slots_per_expert, c.slots_per_expert)) {
    return *err;
  }
  if (int64_t{c.num_experts} * c.slots_per_expert > kMaxExperts * 4) {
    return Error{field(where, "slots_per_expert"),
                 "num_experts · slots_per_expert must be <= " + std::to_string(kMaxExperts * 4) +
                     ", got " + std::to_string(int64_t{c.num_experts} * c.slots_per_expert)};
  }
  return true;
}

Result<LayerConfig> parse_layer_config(const json& config, const std::string& where) {
  LayerConfig c;
  Result<bool> fields = read_layer_fields(config, where, kInferenceFieldRules, c);
  if (!fields.ok()) return fields.error();
  Result<bool> options = parse_router_options(config, where, c);
  if (!options.ok()) return options.error();

  if (c.weight_floats() > kMaxFloats) {
    return Error{where, "the weights need " + std::to_string(c.weight_floats()) +
                            " floats, above the cap of " + std::to_string(kMaxFloats) +
                            " (64 Mi floats); lower d_model, d_ff or num_experts"};
  }
  return c;
}

}  // namespace moe

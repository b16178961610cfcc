#include "moe/lm/lm_config.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "spec/json_fields.hpp"

namespace moe::lm {
namespace {

using detail::json;
using detail::MaybeError;

const std::string kWhere = "config";

// An optional integer: absent or null keeps `out` (its default).
MaybeError read_optional_int(const json& c, std::string_view key, int64_t lo, int64_t hi,
                             int& out) {
  const auto it = c.find(key);
  if (it == c.end() || it->is_null()) return std::nullopt;
  int64_t v = 0;
  if (auto err = detail::read_int(c, key, kWhere, lo, hi, v)) return err;
  out = static_cast<int>(v);
  return std::nullopt;
}

MaybeError read_required_int(const json& c, std::string_view key, int64_t lo, int64_t hi,
                             int& out) {
  int64_t v = 0;
  if (auto err = detail::read_int(c, key, kWhere, lo, hi, v)) return err;
  out = static_cast<int>(v);
  return std::nullopt;
}

// An optional positive finite number within (0, hi].
MaybeError read_optional_positive(const json& c, std::string_view key, double hi, double& out) {
  const auto it = c.find(key);
  if (it == c.end() || it->is_null()) return std::nullopt;
  const std::string name = detail::field(kWhere, key);
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    return Error{name, "must be a finite number, got " + detail::describe(*it)};
  }
  const double v = it->get<double>();
  if (!(v > 0.0)) return Error{name, "must be > 0, got " + it->dump()};
  if (v > hi) return Error{name, "must be <= " + json(hi).dump() + ", got " + it->dump()};
  out = v;
  return std::nullopt;
}

// An optional string that, when given, must equal `expected`.
MaybeError read_optional_exact(const json& c, std::string_view key, const std::string& expected,
                               const std::string& why) {
  const auto it = c.find(key);
  if (it == c.end() || it->is_null()) return std::nullopt;
  if (!it->is_string() || it->get<std::string>() != expected) {
    return Error{detail::field(kWhere, key),
                 "must be \"" + expected + "\"" + why + ", got " + detail::describe(*it)};
  }
  return std::nullopt;
}

// A feature this engine does not implement must be absent or null.
MaybeError require_null(const json& c, std::string_view key, const std::string& what) {
  const auto it = c.find(key);
  if (it == c.end() || it->is_null()) return std::nullopt;
  return Error{detail::field(kWhere, key),
               what + " is not supported, must be null, got " + detail::describe(*it)};
}

// The shortest decimal (up to 9 significant digits, always enough for a float) that reads back
// as `v`, as a double: 1e-5f → 1e-05. snprintf rather than std::to_chars(float), which
// Emscripten 3.1.6's libc++ lacks.
double shortest_decimal(float v) {
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(v));
    if (std::strtof(text, nullptr) == v) break;
  }
  return std::strtod(text, nullptr);
}

// The MoE block of a "moe_tutor" config.json, in DeepseekV3Config's field names, mapped to the
// router kinds the trainer runs:
//   scoring_func softmax, norm_topk_prob true   → softmax_topk_renorm (Mixtral's)
//   scoring_func softmax, norm_topk_prob false  → softmax_topk
//   scoring_func sigmoid, norm_topk_prob true, topk_method noaux_tc → sigmoid_grouped_topk_bias
// routed_scaling_factor, n_group and topk_group must be 1: the trainer scales nothing and runs
// one expert group.
MaybeError read_deepseek_block(const json& c, LmConfig& m) {
  if (auto err = read_optional_int(c, "n_shared_experts", 0, kMaxLmExperts, m.n_shared_experts)) {
    return err;
  }
  const auto scoring = c.find("scoring_func");
  if (scoring == c.end() || !scoring->is_string() ||
      (*scoring != "softmax" && *scoring != "sigmoid")) {
    return Error{detail::field(kWhere, "scoring_func"),
                 "must be \"softmax\" or \"sigmoid\", got " +
                     (scoring == c.end() ? std::string("nothing") : detail::describe(*scoring))};
  }
  const bool sigmoid = *scoring == "sigmoid";
  bool norm = false;
  if (auto err = detail::read_optional_bool(c, "norm_topk_prob", kWhere, norm)) return err;
  const std::string method = sigmoid ? "noaux_tc" : "greedy";
  if (auto err = read_optional_exact(c, "topk_method", method,
                                     sigmoid ? " (sigmoid selects with e_score_correction_bias)"
                                             : " (softmax has no selection bias)")) {
    return err;
  }
  if (sigmoid && !norm) {
    return Error{detail::field(kWhere, "norm_topk_prob"),
                 "must be true with scoring_func \"sigmoid\" (the trainer renormalises the chosen "
                 "scores)"};
  }
  m.router_kind = sigmoid ? RouterKind::sigmoid_grouped_topk_bias
                  : norm  ? RouterKind::softmax_topk_renorm
                          : RouterKind::softmax_topk;
  for (const char* key : {"routed_scaling_factor", "n_group", "topk_group"}) {
    const auto it = c.find(key);
    if (it == c.end() || it->is_null()) continue;
    if (!it->is_number() || it->get<double>() != 1.0) {
      return Error{detail::field(kWhere, key),
                   "must be 1 (one expert group, unscaled gates), got " + detail::describe(*it)};
    }
  }
  return std::nullopt;
}

}  // namespace

int64_t LmConfig::param_floats() const {
  const int64_t V = vocab_size, d = hidden_size, f = intermediate_size, L = num_hidden_layers;
  const int64_t E = num_local_experts, q = q_dim(), kv = kv_dim();
  const int64_t attention = d * q /*q*/ + 2 * d * kv /*k, v*/ + q * d /*o*/;
  const int64_t moe = (dense ? 0 : E * d) /*gate*/ + E * 3 * f * d /*w1, w3, w2*/ +
                      int64_t{3} * shared_d_ff() * d /*shared expert*/;
  const int64_t per_layer = 2 * d /*norms*/ + attention + moe;
  return V * d * (tie_word_embeddings ? 1 : 2) + d + L * per_layer;
}

int64_t LmConfig::active_param_floats() const {
  const int64_t skipped_experts = num_local_experts - num_experts_per_tok;
  const int64_t expert = int64_t{3} * intermediate_size * hidden_size;  // w1, w3, w2
  return param_floats() - int64_t{num_hidden_layers} * skipped_experts * expert;
}

Result<LmConfig> parse_lm_config(const json& c) {
  using detail::field;
  if (!c.is_object()) return Error{kWhere, "must be a JSON object, got " + detail::describe(c)};
  LmConfig m;
  std::string model_type;  // empty: not given (a training recipe's model)
  if (const auto it = c.find("model_type"); it != c.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "mixtral" && *it != "mistral" && *it != "moe_tutor")) {
      return Error{detail::field(kWhere, "model_type"),
                   "must be \"mixtral\" (the MoE model), \"mistral\" (its dense variant) or "
                   "\"moe_tutor\" (a DeepSeek-style MoE block), got " +
                       detail::describe(*it)};
    }
    model_type = it->get<std::string>();
    m.dense = model_type == "mistral";
  }
  const bool deepseek_names = model_type == "moe_tutor";
  if (auto err = read_required_int(c, "vocab_size", 1, kMaxLmDim, m.vocab_size)) return *err;
  if (auto err = read_required_int(c, "hidden_size", 1, kMaxLmDim, m.hidden_size)) return *err;
  if (auto err =
          read_required_int(c, deepseek_names ? "moe_intermediate_size" : "intermediate_size", 1,
                            kMaxLmDim, m.intermediate_size)) {
    return *err;
  }
  if (auto err = read_required_int(c, "num_hidden_layers", 1, kMaxLmLayers, m.num_hidden_layers)) {
    return *err;
  }
  if (auto err =
          read_required_int(c, "num_attention_heads", 1, kMaxLmHeads, m.num_attention_heads)) {
    return *err;
  }
  m.num_key_value_heads = m.num_attention_heads;
  if (auto err =
          read_optional_int(c, "num_key_value_heads", 1, kMaxLmHeads, m.num_key_value_heads)) {
    return *err;
  }
  if (m.num_key_value_heads > m.num_attention_heads ||
      m.num_attention_heads % m.num_key_value_heads != 0) {
    return Error{field(kWhere, "num_key_value_heads"),
                 "must divide num_attention_heads (" + std::to_string(m.num_attention_heads) +
                     "), got " + std::to_string(m.num_key_value_heads)};
  }
  if (m.hidden_size % m.num_attention_heads != 0 && !c.contains("head_dim")) {
    return Error{field(kWhere, "head_dim"), "missing, and hidden_size (" +
                                                std::to_string(m.hidden_size) +
                                                ") is not a multiple of num_attention_heads (" +
                                                std::to_string(m.num_attention_heads) + ")"};
  }
  m.head_dim = m.hidden_size / m.num_attention_heads;
  if (auto err = read_optional_int(c, "head_dim", 1, kMaxLmDim, m.head_dim)) return *err;
  if (m.head_dim % 2 != 0) {
    return Error{
        field(kWhere, "head_dim"),
        "must be even (RoPE rotates the two halves of a head), got " + std::to_string(m.head_dim)};
  }
  if (int64_t{m.head_dim} * m.num_attention_heads > kMaxLmDim) {
    return Error{field(kWhere, "head_dim"),
                 "head_dim × num_attention_heads = " +
                     std::to_string(int64_t{m.head_dim} * m.num_attention_heads) +
                     " is above the cap of " + std::to_string(kMaxLmDim)};
  }
  int64_t k = 1;  // the dense variant: one expert (the MLP) with weight 1
  m.num_local_experts = 1;
  if (!m.dense) {
    if (auto err = read_required_int(c, deepseek_names ? "n_routed_experts" : "num_local_experts",
                                     1, kMaxLmExperts, m.num_local_experts)) {
      return *err;
    }
    if (auto err = detail::read_int(c, "num_experts_per_tok", kWhere, INT64_MIN, INT64_MAX, k)) {
      return *err;
    }
  }
  if (k < 1 || k > m.num_local_experts) {
    return Error{field(kWhere, "num_experts_per_tok"), "must be between 1 and num_local_experts (" +
                                                           std::to_string(m.num_local_experts) +
                                                           "), got " + std::to_string(k)};
  }
  m.num_experts_per_tok = static_cast<int>(k);
  if (deepseek_names) {
    if (auto err = read_deepseek_block(c, m)) return *err;
  } else if (!m.dense) {
    if (auto err = read_optional_int(c, "n_shared_experts", 0, kMaxLmExperts, m.n_shared_experts)) {
      return *err;
    }
    if (m.n_shared_experts > 0 && model_type == "mixtral") {
      return Error{field(kWhere, "n_shared_experts"),
                   "MixtralForCausalLM has no shared expert; a model with one is model_type "
                   "\"moe_tutor\""};
    }
  }
  m.max_position_embeddings = 4096;
  if (auto err = read_optional_int(c, "max_position_embeddings", 1, kMaxLmPositions,
                                   m.max_position_embeddings)) {
    return *err;
  }
  m.rope_theta = 1e6;  // MixtralConfig's default
  if (auto err = read_optional_positive(c, "rope_theta", 1e12, m.rope_theta)) return *err;
  double eps = 1e-5;
  if (auto err = read_optional_positive(c, "rms_norm_eps", 1.0, eps)) return *err;
  m.rms_norm_eps = static_cast<float>(eps);
  if (const auto it = c.find("router_aux_loss_coef"); it != c.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0.0) {
      return Error{field(kWhere, "router_aux_loss_coef"),
                   "must be a finite number >= 0, got " + detail::describe(*it)};
    }
    m.router_aux_loss_coef = it->get<double>();
  }
  if (auto err = read_optional_exact(c, "hidden_act", "silu", " (SwiGLU experts)")) return *err;
  if (auto err =
          detail::read_optional_bool(c, "tie_word_embeddings", kWhere, m.tie_word_embeddings)) {
    return *err;
  }
  if (auto err = require_null(c, "sliding_window", "a sliding attention window")) return *err;
  if (auto err = require_null(c, "rope_scaling", "RoPE scaling")) return *err;
  if (auto err = read_optional_int(c, "eos_token_id", 0, m.vocab_size - 1, m.eos_token_id)) {
    return *err;
  }

  if (m.param_floats() > kMaxLmParams) {
    return Error{kWhere, "the model has " + std::to_string(m.param_floats()) +
                             " parameters, above the cap of " + std::to_string(kMaxLmParams) +
                             " (64 Mi floats)"};
  }
  return m;
}

Result<LmConfig> parse_lm_config_text(std::string_view text) {
  json c;
  if (auto err = detail::parse_json_text(text, c)) return Error{kWhere, err->reason};
  return parse_lm_config(c);
}

json lm_config_to_json(const LmConfig& m) {
  if (m.dense) {  // MistralConfig: the same fields without the MoE ones
    LmConfig moe = m;
    moe.dense = false;
    json c = lm_config_to_json(moe);
    c["architectures"] = {"MistralForCausalLM"};
    c["model_type"] = "mistral";
    for (const char* key : {"num_local_experts", "num_experts_per_tok", "router_aux_loss_coef"}) {
      c.erase(key);
    }
    return c;
  }
  if (!m.mixtral_block()) {  // Mixtral's attention, DeepseekV3Config's MoE block fields
    LmConfig mixtral = m;
    mixtral.router_kind = RouterKind::softmax_topk_renorm;
    mixtral.n_shared_experts = 0;
    json c = lm_config_to_json(mixtral);
    c["architectures"] = {"MoeTutorForCausalLM"};
    c["model_type"] = "moe_tutor";
    c.erase("num_local_experts");
    c.erase("intermediate_size");
    const bool sigmoid = m.router_kind == RouterKind::sigmoid_grouped_topk_bias;
    c["n_routed_experts"] = m.num_local_experts;
    c["moe_intermediate_size"] = m.intermediate_size;
    c["n_shared_experts"] = m.n_shared_experts;
    c["scoring_func"] = sigmoid ? "sigmoid" : "softmax";
    c["topk_method"] = sigmoid ? "noaux_tc" : "greedy";
    c["norm_topk_prob"] = m.router_kind != RouterKind::softmax_topk;
    c["routed_scaling_factor"] = 1.0;
    c["n_group"] = 1;
    c["topk_group"] = 1;
    return c;
  }
  json c{{"architectures", {"MixtralForCausalLM"}},
         {"model_type", "mixtral"},
         {"vocab_size", m.vocab_size},
         {"hidden_size", m.hidden_size},
         {"intermediate_size", m.intermediate_size},
         {"num_hidden_layers", m.num_hidden_layers},
         {"num_attention_heads", m.num_attention_heads},
         {"num_key_value_heads", m.num_key_value_heads},
         {"head_dim", m.head_dim},
         {"num_local_experts", m.num_local_experts},
         {"num_experts_per_tok", m.num_experts_per_tok},
         {"max_position_embeddings", m.max_position_embeddings},
         {"rope_theta", m.rope_theta},
         {"rms_norm_eps", shortest_decimal(m.rms_norm_eps)},
         {"hidden_act", "silu"},
         {"tie_word_embeddings", m.tie_word_embeddings},
         {"router_aux_loss_coef", m.router_aux_loss_coef},
         {"sliding_window", nullptr},
         {"rope_scaling", nullptr},
         {"torch_dtype", "float32"}};
  if (m.eos_token_id >= 0) c["eos_token_id"] = m.eos_token_id;
  return c;
}

}  // namespace moe::lm

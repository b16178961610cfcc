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

}  // namespace

int64_t LmConfig::param_floats() const {
  const int64_t V = vocab_size, d = hidden_size, f = intermediate_size, L = num_hidden_layers;
  const int64_t E = num_local_experts, q = q_dim(), kv = kv_dim();
  const int64_t attention = d * q /*q*/ + 2 * d * kv /*k, v*/ + q * d /*o*/;
  const int64_t moe = (dense ? 0 : E * d) /*gate*/ + E * 3 * f * d /*w1, w3, w2*/;
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
  if (const auto it = c.find("model_type"); it != c.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "mixtral" && *it != "mistral")) {
      return Error{detail::field(kWhere, "model_type"),
                   "must be \"mixtral\" (the MoE model) or \"mistral\" (its dense variant), got " +
                       detail::describe(*it)};
    }
    m.dense = *it == "mistral";
  }
  if (auto err = read_required_int(c, "vocab_size", 1, kMaxLmDim, m.vocab_size)) return *err;
  if (auto err = read_required_int(c, "hidden_size", 1, kMaxLmDim, m.hidden_size)) return *err;
  if (auto err = read_required_int(c, "intermediate_size", 1, kMaxLmDim, m.intermediate_size)) {
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
    if (auto err =
            read_required_int(c, "num_local_experts", 1, kMaxLmExperts, m.num_local_experts)) {
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
  return json{{"architectures", {"MixtralForCausalLM"}},
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
}

}  // namespace moe::lm

#include "moe/io/oracle_case.hpp"

#include "spec/json_fields.hpp"

namespace moe {

using detail::json;

namespace {

detail::MaybeError read_header(const json& root, std::string& name, std::string& family) {
  if (!root.is_object()) return Error{"case", "must be an object, got " + detail::describe(root)};
  if (auto err = detail::read_string(root, "name", "case", name)) return Error{"name", err->reason};
  const auto cfg = root.find("config");
  if (cfg == root.end() || !cfg->is_object())
    return Error{"config", "missing (expected an object)"};
  if (cfg->contains("family") && !(*cfg)["family"].is_null()) {  // optional outside the oracle
    if (auto err = detail::read_string(*cfg, "family", "config", family)) return err;
  }
  return std::nullopt;
}

Result<OracleCase> layer_case(const json& root) {
  OracleCase oc;
  if (auto err = read_header(root, oc.name, oc.family)) return *err;
  const json& cfg = root["config"];

  Result<LayerConfig> config = parse_layer_config(cfg, "config");
  if (!config.ok()) return config.error();
  oc.config = config.value();
  oc.num_shared_experts = oc.config.num_shared_experts;

  const auto w = root.find("weights");
  if (w == root.end()) return Error{"weights", "missing (expected an object)"};
  Result<bool> read = read_weights(*w, oc.config, "weights", /*require_all=*/true, oc.weights);
  if (!read.ok()) return read.error();

  const auto in = root.find("input");
  if (in == root.end()) return Error{"input", "missing (expected [T][d_model] numbers)"};
  if (!in->is_array() || in->empty()) {
    return Error{"input", "must be a non-empty array of token rows, got " + detail::describe(*in)};
  }
  if (static_cast<int64_t>(in->size()) > kMaxTokens) {
    return Error{"input", "has " + std::to_string(in->size()) + " rows, above the cap of " +
                              std::to_string(kMaxTokens)};
  }
  oc.tokens = static_cast<int>(in->size());
  const int64_t needed = oc.config.weight_floats() + oc.config.activation_floats(oc.tokens);
  if (needed > kMaxFloats) {  // before allocating the input
    return Error{"input", std::to_string(oc.tokens) + " tokens need " + std::to_string(needed) +
                              " floats of weights and activations, above the cap of " +
                              std::to_string(kMaxFloats) + " (64 Mi floats)"};
  }
  oc.input.resize(static_cast<size_t>(oc.tokens) * oc.config.d_model);
  if (auto err = detail::read_matrix(*in, "input", oc.tokens, oc.config.d_model, oc.input.data())) {
    return *err;
  }
  return oc;
}

Result<AuxLossCase> aux_loss_case(const json& root) {
  AuxLossCase ac;
  std::string family;
  if (auto err = read_header(root, ac.name, family)) return *err;
  if (family != "mixtral_aux_loss") {
    return Error{"config.family", "expected \"mixtral_aux_loss\", got \"" + family + "\""};
  }
  const json& cfg = root["config"];
  int64_t L = 0, B = 0, S = 0, E = 0, k = 0;
  if (auto err = detail::read_int(cfg, "num_layers", "config", 1, 1024, L)) return *err;
  if (auto err = detail::read_int(cfg, "batch_size", "config", 1, kMaxTokens, B)) return *err;
  if (auto err = detail::read_int(cfg, "seq_len", "config", 1, kMaxTokens, S)) return *err;
  if (auto err = detail::read_int(cfg, "num_experts", "config", 1, kMaxExperts, E)) return *err;
  if (auto err = detail::read_int(cfg, "top_k", "config", 1, E, k)) return *err;
  if (L * B * S * E > kMaxFloats) return Error{"input.gate_logits", "above the memory cap"};
  ac.num_layers = static_cast<int>(L);
  ac.tokens_per_layer = static_cast<int>(B * S);
  ac.num_experts = static_cast<int>(E);
  ac.top_k = static_cast<int>(k);

  const auto in = root.find("input");
  if (in == root.end() || !in->is_object()) return Error{"input", "missing (expected an object)"};
  const auto logits = in->find("gate_logits");
  if (logits == in->end()) return Error{"input.gate_logits", "missing"};
  if (!logits->is_array() || static_cast<int64_t>(logits->size()) != L) {
    return Error{"input.gate_logits",
                 "expected " + std::to_string(L) + " layers, got " + detail::describe(*logits)};
  }
  const int64_t N = B * S;
  ac.gate_logits.resize(static_cast<size_t>(L * N * E));
  for (int64_t l = 0; l < L; ++l) {
    const std::string where = "input.gate_logits[" + std::to_string(l) + "]";
    if (auto err = detail::read_matrix((*logits)[static_cast<size_t>(l)], where, N, E,
                                       ac.gate_logits.data() + l * N * E)) {
      return *err;
    }
  }
  const auto mask = in->find("attention_mask");
  if (mask != in->end() && !mask->is_null()) {
    std::vector<float> m(static_cast<size_t>(N));  // [B, S]
    if (auto err = detail::read_matrix(*mask, "input.attention_mask", B, S, m.data())) return *err;
    ac.mask.resize(static_cast<size_t>(L * N));
    for (int64_t l = 0; l < L; ++l) {
      for (int64_t t = 0; t < N; ++t) ac.mask[static_cast<size_t>(l * N + t)] = m[t] != 0.0f;
    }
  }
  return ac;
}

}  // namespace

Result<OracleCase> parse_case(std::string_view text) {
  json root;
  if (auto err = detail::parse_json_text(text, root)) return *err;
  return layer_case(root);
}

Result<AuxLossCase> parse_aux_loss_case(std::string_view text) {
  json root;
  if (auto err = detail::parse_json_text(text, root)) return *err;
  return aux_loss_case(root);
}

Result<AnyCase> parse_any_case(std::string_view text) {
  json root;
  if (auto err = detail::parse_json_text(text, root)) return *err;
  AnyCase any;
  const json* cfg = root.is_object() && root.contains("config") ? &root["config"] : nullptr;
  any.is_aux_loss = cfg != nullptr && cfg->is_object() && cfg->contains("family") &&
                    (*cfg)["family"] == "mixtral_aux_loss";
  if (any.is_aux_loss) {
    Result<AuxLossCase> r = aux_loss_case(root);
    if (!r.ok()) return r.error();
    any.aux = std::move(r.value());
  } else {
    Result<OracleCase> r = layer_case(root);
    if (!r.ok()) return r.error();
    any.layer = std::move(r.value());
  }
  return any;
}

}  // namespace moe

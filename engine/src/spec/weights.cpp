#include "moe/spec/weights.hpp"

#include <cmath>

#include "moe/rng.hpp"
#include "spec/json_fields.hpp"
#include "spec/weights_optional.hpp"

namespace moe {

using detail::json;

namespace {

std::vector<float> normal_matrix(SplitMix64& rng, int64_t rows, int64_t cols) {
  std::vector<float> m(static_cast<size_t>(rows * cols));  // [rows, cols]
  const double scale = 1.0 / std::sqrt(static_cast<double>(cols));
  for (float& v : m) v = static_cast<float>(rng.next_normal() * scale);
  return m;
}

std::vector<float> zeros(int64_t rows, int64_t cols) {
  return std::vector<float>(static_cast<size_t>(rows * cols), 0.0f);
}

// Drawn after the routed experts, so that a config without these options keeps its weights.
void init_optional_weights(const LayerConfig& c, SplitMix64& rng, LayerWeights& w) {
  if (c.router_bias) w.router_bias = zeros(1, c.num_experts);
  if (c.router_kind == RouterKind::sigmoid_grouped_topk_bias) {
    w.correction_bias = zeros(1, c.num_experts);
  }
  if (c.router_kind == RouterKind::noisy_topk) {
    w.noise = normal_matrix(rng, c.num_experts, c.d_model);
  }
  if (c.shared_expert_d_ff > 0) {
    w.shared_expert.w1 = normal_matrix(rng, c.shared_expert_d_ff, c.d_model);
    if (c.expert_kind == ExpertKind::swiglu) {
      w.shared_expert.w3 = normal_matrix(rng, c.shared_expert_d_ff, c.d_model);
    }
    w.shared_expert.w2 = normal_matrix(rng, c.d_model, c.shared_expert_d_ff);
  }
  if (c.shared_expert_gated) w.shared_expert_gate = normal_matrix(rng, 1, c.d_model);
}

}  // namespace

LayerWeights init_weights_seeded(const LayerConfig& c, uint64_t seed) {
  SplitMix64 rng(seed);
  LayerWeights w;
  w.router = normal_matrix(rng, c.router_rows(), c.d_model);
  w.experts.resize(static_cast<size_t>(c.num_experts));
  for (ExpertWeights& e : w.experts) {
    e.w1 = normal_matrix(rng, c.d_ff, c.d_model);
    if (c.expert_kind == ExpertKind::swiglu) e.w3 = normal_matrix(rng, c.d_ff, c.d_model);
    e.w2 = normal_matrix(rng, c.d_model, c.d_ff);
  }
  init_optional_weights(c, rng, w);
  return w;
}

Result<bool> read_weights(const json& wj, const LayerConfig& c, const std::string& where,
                          bool require_all, LayerWeights& w) {
  using detail::field;
  if (!wj.is_object()) return Error{where, "must be an object, got " + detail::describe(wj)};
  const bool swiglu = c.expert_kind == ExpertKind::swiglu;

  if (auto it = wj.find("router"); it != wj.end()) {
    std::vector<float> router = zeros(c.router_rows(), c.d_model);
    if (auto err = detail::read_matrix(*it, field(where, "router"), c.router_rows(), c.d_model,
                                       router.data())) {
      return *err;
    }
    w.router = std::move(router);
  } else if (require_all) {
    return Error{field(where, "router"), "missing (give the weights or a seed)"};
  }

  if (auto err = detail::read_optional_weights(wj, c, where, require_all, w)) return *err;

  const auto it = wj.find("experts");
  if (it == wj.end()) {
    if (require_all) return Error{field(where, "experts"), "missing (give the weights or a seed)"};
    return true;
  }
  const std::string ew = field(where, "experts");
  if (!it->is_array()) return Error{ew, "must be an array, got " + detail::describe(*it)};
  if (static_cast<int>(it->size()) != c.num_experts) {
    return Error{ew, "expected " + std::to_string(c.num_experts) + " experts, got " +
                         std::to_string(it->size())};
  }
  std::vector<ExpertWeights> experts(static_cast<size_t>(c.num_experts));
  for (int e = 0; e < c.num_experts; ++e) {
    const json& ej = (*it)[static_cast<size_t>(e)];
    const std::string ewe = ew + "[" + std::to_string(e) + "]";
    if (!ej.is_object()) return Error{ewe, "must be an object, got " + detail::describe(ej)};
    ExpertWeights& x = experts[static_cast<size_t>(e)];
    const auto read = [&](const char* name, int64_t rows, int64_t cols,
                          std::vector<float>& out) -> detail::MaybeError {
      const auto m = ej.find(name);
      if (m == ej.end()) return Error{field(ewe, name), "missing"};
      out = zeros(rows, cols);
      return detail::read_matrix(*m, field(ewe, name), rows, cols, out.data());
    };
    if (auto err = read("w1", c.d_ff, c.d_model, x.w1)) return *err;
    if (swiglu) {
      if (auto err = read("w3", c.d_ff, c.d_model, x.w3)) return *err;
    } else if (ej.contains("w3")) {
      return Error{field(ewe, "w3"), "only swiglu experts have w3 (expert_kind is mlp)"};
    }
    if (auto err = read("w2", c.d_model, c.d_ff, x.w2)) return *err;
  }
  w.experts = std::move(experts);
  return true;
}

}  // namespace moe

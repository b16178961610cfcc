#include "spec/weights_optional.hpp"

#include <vector>

namespace moe::detail {

namespace {

// Reads `wj[key]` as a [rows, cols] matrix (rows = 0: a vector of cols) when `used`; reports it as
// unused otherwise, and as missing when required.
MaybeError read_one(const json& wj, const char* key, const std::string& where, bool used,
                    bool required, const char* why_unused, int64_t rows, int64_t cols,
                    std::vector<float>& out) {
  const std::string name = field(where, key);
  const auto it = wj.find(key);
  if (it == wj.end() || it->is_null()) {
    if (used && required) return Error{name, "missing (give the weights or a seed)"};
    return std::nullopt;
  }
  if (!used) return Error{name, std::string("not used: ") + why_unused};
  std::vector<float> v(static_cast<size_t>((rows == 0 ? 1 : rows) * cols));
  MaybeError err = rows == 0 ? read_vector(*it, name, cols, v.data())
                             : read_matrix(*it, name, rows, cols, v.data());
  if (err) return err;
  out = std::move(v);
  return std::nullopt;
}

MaybeError read_shared(const json& wj, const LayerConfig& c, const std::string& where,
                       bool require_all, ExpertWeights& out) {
  const std::string name = field(where, "shared_expert");
  const auto it = wj.find("shared_expert");
  const bool used = c.shared_expert_d_ff > 0;
  if (it == wj.end() || it->is_null()) {
    if (used && require_all) return Error{name, "missing (give the weights or a seed)"};
    return std::nullopt;
  }
  if (!used) return Error{name, "not used: config.num_shared_experts is 0"};
  if (!it->is_object()) return Error{name, "must be an object, got " + describe(*it)};
  const int64_t d = c.d_model, sf = c.shared_expert_d_ff;
  const bool swiglu = c.expert_kind == ExpertKind::swiglu;
  ExpertWeights w;
  if (auto err = read_one(*it, "w1", name, true, true, "", sf, d, w.w1)) return err;
  if (auto err =
          read_one(*it, "w3", name, swiglu, true, "only swiglu experts have w3", sf, d, w.w3)) {
    return err;
  }
  if (auto err = read_one(*it, "w2", name, true, true, "", d, sf, w.w2)) return err;
  out = std::move(w);
  return std::nullopt;
}

}  // namespace

MaybeError read_optional_weights(const json& wj, const LayerConfig& c, const std::string& where,
                                 bool require_all, LayerWeights& w) {
  const int64_t E = c.num_experts, d = c.d_model;
  if (auto err = read_one(wj, "router_bias", where, c.router_bias, require_all,
                          "config.router_bias is false", 0, E, w.router_bias)) {
    return err;
  }
  if (auto err = read_one(
          wj, "correction_bias", where, c.router_kind == RouterKind::sigmoid_grouped_topk_bias,
          false, "only sigmoid_grouped_topk_bias has a correction bias", 0, E, w.correction_bias)) {
    return err;
  }
  if (auto err = read_one(wj, "noise", where, c.router_kind == RouterKind::noisy_topk,
                          require_all && c.train_mode, "only noisy_topk has noise weights", E, d,
                          w.noise)) {
    return err;
  }
  if (auto err = read_shared(wj, c, where, require_all, w.shared_expert)) return err;
  return read_one(wj, "shared_expert_gate", where, c.shared_expert_gated, require_all,
                  "config.shared_expert_gate is not set", 1, d, w.shared_expert_gate);
}

}  // namespace moe::detail

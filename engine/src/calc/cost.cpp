#include "moe/calc/cost.hpp"

#include <cmath>

#include <string>
#include "moe/routing/switch_capacity.hpp"

namespace moe {

namespace {

constexpr int64_t kMaxCostDim = int64_t{1} << 20;      // d_model, d_ff
constexpr int64_t kMaxCostExperts = int64_t{1} << 16;  // num_experts
constexpr int64_t kMaxCostLayers = 4096;               // layers
constexpr int64_t kMaxShared = int64_t{1} << 50;       // shared_params (~1.1e15)

Error cost_error(const std::string& field, const std::string& reason) {
  return Error{"cost." + field, reason};
}

// `lo <= value <= hi`, or an error naming the field and the value found.
bool cost_in_range(const char* field, int64_t value, int64_t lo, int64_t hi, Error& out) {
  if (value < lo) {
    out = cost_error(field, "must be >= " + std::to_string(lo) + ", got " + std::to_string(value));
    return false;
  }
  if (value > hi) {
    out = cost_error(field, "must be <= " + std::to_string(hi) + ", got " + std::to_string(value));
    return false;
  }
  return true;
}

}  // namespace

Result<CostReport> layer_cost(const CostConfig& c) {
  Error err;
  if (!cost_in_range("d_model", c.d_model, 1, kMaxCostDim, err) ||
      !cost_in_range("d_ff", c.d_ff, 1, kMaxCostDim, err) ||
      !cost_in_range("num_experts", c.num_experts, 1, kMaxCostExperts, err) ||
      !cost_in_range("layers", c.layers, 1, kMaxCostLayers, err) ||
      !cost_in_range("shared_params", c.shared_params, 0, kMaxShared, err)) {
    return err;
  }
  if (c.top_k < 1 || c.top_k > c.num_experts) {
    return cost_error("top_k", "must be between 1 and num_experts (" +
                                   std::to_string(c.num_experts) + "), got " +
                                   std::to_string(c.top_k));
  }
  // The caps above still allow 3·2^20·2^20·2^16·2^12 = 3·2^68 parameters, beyond int64: the
  // sums are formed in double and checked against the int64 range before converting.
  const int64_t per_matrix = c.d_model * c.d_ff;  // <= 2^40
  const int64_t kinds = c.expert_kind == ExpertKind::swiglu ? 3 : 2;
  CostReport r;
  r.params_per_expert = kinds * per_matrix;     // P_e
  r.router_params = c.num_experts * c.d_model;  // E·d
  const double layer_total = static_cast<double>(c.num_experts) * r.params_per_expert +
                             static_cast<double>(r.router_params);
  const double layer_active =
      static_cast<double>(c.top_k) * r.params_per_expert + static_cast<double>(r.router_params);
  const double total = static_cast<double>(c.layers) * layer_total + c.shared_params;
  const double active = static_cast<double>(c.layers) * layer_active + c.shared_params;
  if (total > 9.0e18) {
    return cost_error("total_params", "must stay below 9e18, got " + std::to_string(total));
  }
  r.total_params = static_cast<int64_t>(total);
  r.active_params = static_cast<int64_t>(active);
  r.active_fraction = active / total;
  r.flops_per_token_active = 2.0 * active;
  r.flops_per_token_dense = 2.0 * total;
  return r;
}

Result<ActiveSolve> solve_active_from_total(double total_params, double shared_fraction,
                                            int64_t num_experts, int64_t top_k) {
  if (!std::isfinite(total_params) || total_params <= 0 || total_params > 1e16) {
    return cost_error("total_params",
                      "must be a number in (0, 1e16], got " + std::to_string(total_params));
  }
  if (!std::isfinite(shared_fraction) || shared_fraction < 0 || shared_fraction >= 1) {
    return cost_error("shared_fraction",
                      "must be in [0, 1), got " + std::to_string(shared_fraction));
  }
  Error err;
  if (!cost_in_range("num_experts", num_experts, 1, kMaxCostExperts, err)) return err;
  if (top_k < 1 || top_k > num_experts) {
    return cost_error("top_k", "must be between 1 and num_experts (" + std::to_string(num_experts) +
                                   "), got " + std::to_string(top_k));
  }
  ActiveSolve s;
  s.total_params = total_params;
  s.shared_params = shared_fraction * total_params;
  s.expert_params = total_params - s.shared_params;
  s.active_params = s.shared_params +
                    s.expert_params * static_cast<double>(top_k) / static_cast<double>(num_experts);
  s.active_fraction = s.active_params / total_params;
  return s;
}

Result<int64_t> expert_capacity_for(double capacity_factor, int64_t tokens, int64_t num_experts,
                                    int64_t top_k) {
  if (num_experts < 1)
    return Error{"capacity.num_experts", "must be >= 1, got " + std::to_string(num_experts)};
  if (top_k < 1 || top_k > num_experts) {
    return Error{"capacity.top_k", "must be between 1 and num_experts (" +
                                       std::to_string(num_experts) + "), got " +
                                       std::to_string(top_k)};
  }
  if (tokens < 1 || tokens > (int64_t{1} << 30)) {
    return Error{"capacity.tokens", "must be between 1 and 2^30, got " + std::to_string(tokens)};
  }
  if (!std::isfinite(capacity_factor) || capacity_factor <= 0.0 || capacity_factor > 1e6) {
    return Error{"capacity.capacity_factor",
                 "must be a finite number > 0, got " + std::to_string(capacity_factor)};
  }
  const routing::ExpertCapacity r =
      routing::expert_capacity(capacity_factor * static_cast<double>(top_k),
                               static_cast<int>(tokens), static_cast<int>(num_experts));
  if (!r.ok()) return Error{"capacity", r.error};
  return static_cast<int64_t>(r.value);
}

}  // namespace moe

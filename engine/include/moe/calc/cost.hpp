// Parameter and compute counts of a stack of MoE feed-forward layers: what the model stores
// ("total") versus what one token actually uses ("active"). Pure arithmetic on shapes, no
// weights; the lesson widgets show these numbers instead of re-deriving them in TypeScript.
//
// Deliberately left out: attention, embeddings and norms are not modelled one by one; they are
// folded into `shared_params`, a block of parameters every token uses (as are shared experts).
#pragma once

#include <cstdint>

#include "moe/result.hpp"
#include "moe/spec/config.hpp"

namespace moe {

struct CostConfig {
  int64_t d_model = 0;        // d
  int64_t d_ff = 0;           // f, hidden width of one expert
  int64_t num_experts = 0;    // E
  int64_t top_k = 0;          // k
  int64_t layers = 1;         // L, MoE layers in the stack
  int64_t shared_params = 0;  // S, parameters every token uses (attention, embeddings, ...)
  ExpertKind expert_kind = ExpertKind::mlp;
};

struct CostReport {
  int64_t params_per_expert = 0;  // mlp: 2·d·f (w1, w2); swiglu: 3·d·f (w1, w3, w2)
  int64_t router_params = 0;      // E·d per layer (W_g)
  int64_t total_params = 0;       // L·(E·P_e + E·d) + S
  int64_t active_params = 0;      // L·(k·P_e + E·d) + S
  double active_fraction = 0;     // active_params / total_params
  // FLOPs per token, counting a multiply-add as 2 FLOPs and every used weight once
  // (activations and the softmax are lower order and left out).
  double flops_per_token_active = 0;  // 2·active_params
  double flops_per_token_dense = 0;   // 2·total_params: the same weights as one dense layer
};

// Counts for one configuration. With P_e the parameters of one expert:
//   P_e    = c·d·f, c = 2 (mlp) or 3 (swiglu)
//   total  = L·(E·P_e + E·d) + S          every stored weight
//   active = L·(k·P_e + E·d) + S          the router and S always run; only k experts do
//   flops  = 2·active per token           one multiply and one add per used weight
// Errors name the field: `cost.num_experts: must be >= 1, got 0`.
Result<CostReport> layer_cost(const CostConfig& config);

struct ActiveSolve {
  double total_params = 0;   // T, as given
  double shared_params = 0;  // s·T: every token uses these (attention, embeddings, router, ...)
  double expert_params = 0;  // (1 − s)·T, split evenly over the E experts
  double active_params = 0;  // s·T + (k/E)·(1 − s)·T
  double active_fraction = 0;
};

// The question "E experts, top-k, T parameters in total: how many are active?", when only the
// total is known. A share `shared_fraction` (s, in [0, 1)) of T is used by every token; the rest
// sits in E equal experts of which k run:
//   active = s·T + (k / E)·(1 − s)·T
// 8 experts, top-2, 400e9 total, s = 0 → 100e9 active.
Result<ActiveSolve> solve_active_from_total(double total_params, double shared_fraction,
                                            int64_t num_experts, int64_t top_k);

// Expert capacity: the most (token, slot) pairs one expert takes from a group of T tokens.
//   capacity = floor(capacity_factor · k · T / E), clamped to [0, T]
// k = 1 is Switch's rule; k > 1 is GShard's (each token sends k pairs). Same rule as the layer's
// capacity routers (routing::expert_capacity); 1.25 · 512 / 8 → 80.
Result<int64_t> expert_capacity_for(double capacity_factor, int64_t tokens, int64_t num_experts,
                                    int64_t top_k);

}  // namespace moe

// Per-call routing statistics: how evenly a router spread its tokens, and what capacity cost.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace moe::routing {

struct RoutingStats {
  std::string error;  // "" on success, else `field: reason` and the arrays are empty
  std::vector<int32_t> counts_before_capacity;  // [E]  assignments the router asked for
  std::vector<int32_t> counts_after_capacity;   // [E]  assignments kept
  std::vector<float> load_fraction;             // [E]  f_e = counts_before[e] / (T·k), sums to 1
  std::vector<float> mean_prob;                 // [E]  P_e = (1/T) Σ_t p[t,e]
  float entropy = 0.0f;                         // nats, mean over tokens of -Σ_e p[t,e] ln p[t,e]
  float load_cv = 0.0f;                         // CV of counts_before (population std / mean)
  float max_over_mean_load = 0.0f;              // max_e counts_before[e] / mean_e counts_before[e]
  float load_cv_after = 0.0f;  // the same two on counts_after (bounded by the capacity)
  float max_over_mean_load_after = 0.0f;
  int dropped_assignments = 0;  // (token, slot) pairs with kept = 0
  int dropped_tokens = 0;       // tokens with every slot dropped
  bool ok() const { return error.empty(); }
};

// For T tokens routed to k experts each:
//   counts_before[e] = #{ (t,i) : ids[t,i] = e }
//   counts_after[e]  = #{ (t,i) : ids[t,i] = e and kept[t,i] }
//   f_e = counts_before[e] / (T·k)        P_e = (1/T) Σ_t p[t,e]
//   entropy = (1/T) Σ_t -Σ_e p[t,e] ln p[t,e]      (0·ln 0 = 0; ln E for a uniform router)
//   CV(x) = sqrt((1/E) Σ_e (x_e - x̄)²) / x̄        max/mean = max_e x_e / x̄   (0 when x̄ = 0)
// The imbalance figures use the demand (counts before capacity): after capacity, counts are capped
// and hide the collapse a lesson wants to show; the *_after fields give the capped view.
// probs: [T, E] (any non-negative per-token scores; rows need not sum to 1 for P_e),
// topk_ids: [T, k], kept: [T, k] or empty (= all kept).
RoutingStats routing_stats(std::span<const float> probs, std::span<const int32_t> topk_ids,
                           std::span<const uint8_t> kept, int tokens, int experts, int k);

}  // namespace moe::routing

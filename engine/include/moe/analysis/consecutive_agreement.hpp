// Mixtral (Jiang et al. 2024, Table 5): how often consecutive tokens go to the same experts, per
// layer, against three yardsticks. Pairs are (n, n+1) with both tokens in one sequence; P pairs.
//
//   first_choice     = (1/P) Σ_pairs [ids[n,0] = ids[n+1,0]]
//   first_or_second  = (1/P) Σ_pairs [topk(n) ∩ topk(n+1) ≠ ∅]      (Mixtral's "first or second
//                      choice" when k = 2: some expert of one is among the other's)
//   uniform_first    = 1/E                                        a router picking uniformly
//   uniform_set      = 1 − C(E−k, k) / C(E, k)                    (8 experts, top-2: 0.464)
//   chance_first     = Σ_e p_e²,  p_e = share of the layer's N tokens whose first choice is e
//   chance_set       = Σ_S Σ_S' f_S f_S' [S ∩ S' ≠ ∅],  f_S = share of tokens whose top-k set
//                      is S: two tokens drawn independently from the layer's own choices
//   excess_*         = observed − chance_*
// The chance levels are what consecutive tokens would share with no stickiness at all, given how
// unevenly the layer loads its experts; with skewed loads they explain most of the raw agreement.
#pragma once

#include <cstdint>

#include "moe/analysis/routing_record.hpp"

namespace moe::analysis {

struct ConsecutiveAgreement {
  int64_t pairs = 0;           // P
  double first_choice = 0;     // observed, first choice equal
  double first_or_second = 0;  // observed, top-k sets intersect
  double uniform_first = 0;    // 1/E
  double uniform_set = 0;      // 1 − C(E−k,k)/C(E,k)
  double chance_first = 0;     // Σ_e p_e²
  double chance_set = 0;       // from the observed set frequencies
  double excess_first = 0;     // first_choice − chance_first
  double excess_set = 0;       // first_or_second − chance_set
};

ConsecutiveAgreement consecutive_agreement(const RoutingRecord& r, int layer);

// 1 − C(E−k, k) / C(E, k): the chance two uniformly random k-subsets of E experts intersect.
double uniform_set_overlap(int E, int k);

}  // namespace moe::analysis

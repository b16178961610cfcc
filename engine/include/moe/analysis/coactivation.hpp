// Which experts run together (OLMoE, Muennighoff et al. 2024), per layer, over a routing record of
// N tokens with E experts and top-k:
//   counts[i][j] = #{n : i ∈ topk(n) and j ∈ topk(n)}     counts[i][i] = tokens that chose i
//   given[i][j]  = counts[i][j] / counts[i][i]              (0 when i was never chosen)
// given[i][j] is how often j is active when i is: OLMoE's co-activation matrix. Σ_j≠i given[i][j]
// = k − 1 for every chosen i.
#pragma once

#include <cstdint>
#include <vector>

#include "moe/analysis/routing_record.hpp"
#include "moe/result.hpp"

namespace moe::analysis {

struct Coactivation {
  std::vector<int64_t> counts;  // [E, E]
  std::vector<double> given;    // [E, E]
};

Coactivation coactivation(const RoutingRecord& r, int layer);

// Router saturation (OLMoE): how much of each token's top-k at an intermediate training step is
// already the final model's, on the same tokens:
//   saturation[l] = (1 / (N·k)) Σ_n |topk_step(n) ∩ topk_final(n)|      per layer, in [0, 1]
//   mean          = (1 / L) Σ_l saturation[l]
// The records must cover the same tokens (same N, L, E and k); errors name the field.
struct RouterSaturation {
  std::vector<double> per_layer;  // [L]
  double mean = 0;
};
Result<RouterSaturation> router_saturation(const RoutingRecord& step, const RoutingRecord& final);

}  // namespace moe::analysis

#include "moe/layer/aux_loss.hpp"

#include <cstddef>
#include <vector>

namespace moe {

float load_balancing_loss(const float* probs, const int32_t* topk_ids, int N, int E, int k,
                          const uint8_t* mask) {
  std::vector<double> picks(static_cast<std::size_t>(k) * E, 0.0);  // [k, E]  Σ_t m_t [id = e]
  std::vector<double> prob_sum(static_cast<std::size_t>(E), 0.0);   // [E]     Σ_t m_t probs[t,e]
  double kept = 0.0;
  for (int t = 0; t < N; ++t) {
    if (mask != nullptr && mask[t] == 0) continue;
    kept += 1.0;
    for (int j = 0; j < k; ++j) picks[static_cast<std::size_t>(j) * E + topk_ids[t * k + j]] += 1.0;
    for (int e = 0; e < E; ++e) prob_sum[static_cast<std::size_t>(e)] += probs[t * E + e];
  }
  if (kept == 0.0) return 0.0f;
  double loss = 0.0;
  for (int j = 0; j < k; ++j) {
    for (int e = 0; e < E; ++e) {
      loss += (picks[static_cast<std::size_t>(j) * E + e] / kept) *
              (prob_sum[static_cast<std::size_t>(e)] / kept);
    }
  }
  return static_cast<float>(loss * E);
}

}  // namespace moe

// DeepSeek-V3 load balancing: the auxiliary-loss-free bias update and the complementary
// sequence-wise balance loss.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace moe::routing {

struct BiasUpdate {
  std::string error;         // "" on success
  std::vector<float> bias;   // [E]  the updated correction bias
  std::vector<float> delta;  // [E]  bias - old bias, each -γ, 0 or +γ
  float mean_load = 0.0f;
  bool ok() const { return error.empty(); }
};

// Auxiliary-loss-free balancing (DeepSeek-V3 §2.1.2), after each step:
//   load̄ = (1/E) Σ_e load[e]
//   b[e] ← b[e] + γ · sign(load̄ - load[e])        (sign(0) = 0)
// An underloaded expert's bias rises, so it is chosen more often; equal loads change nothing.
// bias: [E]; expert_load: [E] tokens routed to each expert (counts, as floats); gamma >= 0.
BiasUpdate loss_free_bias_update(std::span<const float> bias, std::span<const float> expert_load,
                                 float gamma);

struct SequenceBalanceLoss {
  std::string error;                // "" on success
  float value = 0.0f;               // mean over sequences of per_sequence
  std::vector<float> per_sequence;  // [B]
  bool ok() const { return error.empty(); }
};

// DeepSeek-V3's complementary sequence-wise balance loss, raw (no α), for each sequence b of
// S tokens (token t = b·S + s):
//   s'[t,e] = s[t,e] / Σ_j s[t,j]                     (affinities normalised per token)
//   f[b,e]  = E / (k·S) · Σ_s [e ∈ ids[t,·]]          P[b,e] = (1/S) Σ_s s'[t,e]
//   L[b]    = Σ_e f[b,e] · P[b,e]                      (= 1 for a perfectly uniform router)
// scores: [B·S, E] the sigmoid affinities (GroupedTopkBias::scores), topk_ids: [B·S, k].
SequenceBalanceLoss deepseek_sequence_balance_loss(std::span<const float> scores,
                                                   std::span<const int32_t> topk_ids, int sequences,
                                                   int seq_len, int experts, int k);

}  // namespace moe::routing

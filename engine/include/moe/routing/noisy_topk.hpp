// Noisy top-k gating (Shazeer et al. 2017, "Outrageously Large Neural Networks") with its
// importance loss and smooth load loss.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

// topk_ids: top-k of H, descending, ties to the lower expert; topk_weights: the gates of the kept
// experts (sum to 1).
struct NoisyTopk : TopkChoice {
  bool training = false;
  std::vector<float> noise;         // [T, E]  standard normals drawn from the seed; 0 in eval
  std::vector<float> noise_stddev;  // [T, E]  softplus(noise_logits); empty without noise_logits
  std::vector<float> noisy_logits;  // [T, E]  H
  std::vector<float> gates;         // [T, E]  G, 0 outside the top-k
  std::vector<float> importance;    // [E]     Σ_t G[t,e]
  std::vector<float> load;          // [E]     smooth load estimate (training) or counts (eval)
  float importance_loss = 0.0f;     // CV²(importance), raw (no w_importance)
  float load_loss = 0.0f;           // CV²(load), raw (no w_load)
};

// With clean logits c[t,e] = (x·W_g)[t,e] and noise logits n[t,e] = (x·W_noise)[t,e]:
//   σ[t,e] = softplus(n[t,e])
//   H[t,e] = c[t,e] + z[t,e] · σ[t,e]   in training, z[t,e] ~ N(0,1) drawn in row-major order from
//            SplitMix64(seed) by Box–Muller (rng.hpp);       H[t,e] = c[t,e] in eval
//   G[t,·] = softmax(KeepTopK(H[t,·], k))   (entries outside the top-k are -inf, so 0)
//   Importance[e] = Σ_t G[t,e]            importance_loss = CV²(Importance)
// Load, training (the paper's smooth estimator, eq. 8-10): the probability that e stays in the
// top-k when only its own noise is redrawn,
//   P[t,e] = Φ( (c[t,e] - kth_excluding(H[t,·], k, e)) / σ[t,e] )
// where kth_excluding is the k-th largest of H[t,·] without e: the (k+1)-th largest of H[t,·] if e
// is in the top-k, else the k-th largest; P = 1 when k = E. Load[e] = Σ_t P[t,e].
// Load, eval (no noise): Load[e] = #{ t : e in the top-k of t }, as in tensor2tensor.
// load_loss = CV²(Load). CV² uses the population variance and a 1e-10 guard (math.hpp), as the
// authors' tensor2tensor code does.
// clean_logits: [T, E]; noise_logits: [T, E], may be empty when training is false;
// 1 <= k <= E.
NoisyTopk noisy_topk(std::span<const float> clean_logits, std::span<const float> noise_logits,
                     int tokens, int experts, int k, bool training, uint64_t seed);

}  // namespace moe::routing

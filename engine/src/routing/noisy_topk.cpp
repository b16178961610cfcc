#include "moe/routing/noisy_topk.hpp"

#include <algorithm>
#include <cmath>

#include "moe/routing/math.hpp"
#include "moe/routing/rng.hpp"
#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

NoisyTopk noisy_topk(std::span<const float> clean_logits, std::span<const float> noise_logits,
                     int tokens, int experts, int k, bool training, uint64_t seed) {
  NoisyTopk r;
  const int64_t cells = int64_t{tokens} * experts;
  const bool has_noise_logits = !noise_logits.empty();
  const bool needs_noise_logits = training || has_noise_logits;
  if (!validate_into(
          r,
          {check_matrix("clean_logits", clean_logits, "tokens", tokens, "experts", experts),
           check_range("k", k, 1, experts),
           needs_noise_logits
               ? check_size("noise_logits", noise_logits.size(), cells, "tokens·experts")
               : std::string()},
          {{"clean_logits", clean_logits}, {"noise_logits", noise_logits}})) {
    return r;
  }
  set_shape(r, tokens, experts, k);
  r.training = training;
  r.noise = training ? standard_normals(seed, cells) : std::vector<float>(cells, 0.0f);  // [T, E]
  r.noise_stddev.resize(has_noise_logits ? cells : 0);                                   // [T, E]
  for (size_t i = 0; i < r.noise_stddev.size(); ++i) r.noise_stddev[i] = softplus(noise_logits[i]);
  r.noisy_logits.assign(clean_logits.begin(), clean_logits.end());  // [T, E]
  if (training) {
    for (int64_t i = 0; i < cells; ++i) r.noisy_logits[i] += r.noise[i] * r.noise_stddev[i];
  }
  r.gates.assign(cells, 0.0f);         // [T, E]
  r.importance.assign(experts, 0.0f);  // [E]
  r.load.assign(experts, 0.0f);        // [E]

  const int keep = std::min(k + 1, experts);  // the (k+1)-th value is the threshold if e is in
  std::vector<int32_t> ids(keep);             // [k + 1]
  std::vector<float> kept_logits(k);          // [k]
  std::vector<uint8_t> in_topk(experts);      // [E]
  for (int t = 0; t < tokens; ++t) {
    const size_t row = static_cast<size_t>(t) * experts;
    const float* h = &r.noisy_logits[row];  // [E]
    router_select_topk(h, 1, experts, keep, ids.data());
    for (int i = 0; i < k; ++i) kept_logits[i] = h[ids[i]];
    float* w = &r.topk_weights[static_cast<size_t>(t) * k];  // [k]
    router_compute_probs(kept_logits.data(), 1, k, w);
    std::fill(in_topk.begin(), in_topk.end(), 0);
    for (int i = 0; i < k; ++i) {
      r.topk_ids[static_cast<size_t>(t) * k + i] = ids[i];
      r.gates[row + ids[i]] = w[i];
      r.importance[ids[i]] += w[i];
      in_topk[ids[i]] = 1;
    }
    for (int e = 0; e < experts; ++e) {
      if (!training) {
        r.load[e] += in_topk[e];
      } else if (k == experts) {
        r.load[e] += 1.0f;
      } else {
        const float threshold = in_topk[e] ? h[ids[k]] : h[ids[k - 1]];
        // σ can underflow to 0 for very negative noise logits: then P is a step (0, ½ or 1).
        const double sigma = std::max<double>(r.noise_stddev[row + e], 1e-30);
        const double z = (clean_logits[row + e] - threshold) / sigma;
        r.load[e] += static_cast<float>(normal_cdf(z));
      }
    }
  }
  r.importance_loss = static_cast<float>(cv_squared(r.importance));
  r.load_loss = static_cast<float>(cv_squared(r.load));
  return r;
}

}  // namespace moe::routing

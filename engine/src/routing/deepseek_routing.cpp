#include "moe/routing/deepseek_routing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "moe/routing/math.hpp"
#include "routing/validate.hpp"

namespace moe::routing {

using namespace detail;

GroupedTopkBias sigmoid_grouped_topk_bias(std::span<const float> logits,
                                          std::span<const float> correction_bias, int tokens,
                                          int experts, int k, int n_group, int topk_group,
                                          bool norm_topk_prob, float routed_scaling_factor) {
  GroupedTopkBias r;
  r.error = first_error(
      {check_range("tokens", tokens, 1, kMaxRows), check_range("experts", experts, 1, kMaxCols),
       check_range("n_group", n_group, 1, experts), check_cells("logits", tokens, experts),
       check_size("logits", logits.size(), int64_t{tokens} * experts, "tokens·experts")});
  if (r.ok() && experts % n_group != 0) {
    r.error = "n_group: must divide experts (" + std::to_string(experts) + "), got " +
              std::to_string(n_group);
  }
  const int per_group = r.ok() ? experts / n_group : 1;
  if (r.ok()) {
    r.error = first_error({check_range("topk_group", topk_group, 1, n_group),
                           check_range("k", k, 1, int64_t{topk_group} * per_group)});
  }
  if (r.ok() && !correction_bias.empty()) {
    r.error = check_size("correction_bias", correction_bias.size(), experts, "experts");
    if (r.ok()) r.error = check_finite("correction_bias", correction_bias);
  }
  if (r.ok()) r.error = check_finite("logits", logits);
  if (r.ok() && !std::isfinite(routed_scaling_factor)) {
    r.error = "routed_scaling_factor: must be finite, got " + std::to_string(routed_scaling_factor);
  }
  if (!r.ok()) return r;

  r.tokens = tokens;
  r.experts = experts;
  r.k = k;
  r.n_group = n_group;
  r.topk_group = topk_group;
  const size_t te = static_cast<size_t>(tokens) * experts;
  const size_t tg = static_cast<size_t>(tokens) * n_group;
  r.scores.resize(te);                                     // [T, E]
  r.biased_scores.resize(te);                              // [T, E]
  r.group_scores.resize(tg);                               // [T, G]
  r.group_kept.assign(tg, 0);                              // [T, G]
  r.topk_ids.resize(static_cast<size_t>(tokens) * k);      // [T, k]
  r.topk_weights.resize(static_cast<size_t>(tokens) * k);  // [T, k]

  const float neg_inf = -std::numeric_limits<float>::infinity();
  std::vector<float> masked(experts);     // [E]  c' of one token
  std::vector<int32_t> kept(topk_group);  // [topk_group]
  int32_t best2[2];
  for (int t = 0; t < tokens; ++t) {
    const size_t row = static_cast<size_t>(t) * experts;
    float* s = &r.scores[row];                                      // [E]
    float* c = &r.biased_scores[row];                               // [E]
    float* gs = &r.group_scores[static_cast<size_t>(t) * n_group];  // [G]
    for (int e = 0; e < experts; ++e) {
      s[e] = sigmoid(logits[row + e]);
      c[e] = s[e] + (correction_bias.empty() ? 0.0f : correction_bias[e]);
    }
    const int top_in_group = std::min(2, per_group);
    for (int g = 0; g < n_group; ++g) {
      topk_row(c + g * per_group, per_group, top_in_group, best2);
      gs[g] = 0.0f;
      for (int i = 0; i < top_in_group; ++i) gs[g] += c[g * per_group + best2[i]];
    }
    topk_row(gs, n_group, topk_group, kept.data());
    std::fill(masked.begin(), masked.end(), neg_inf);
    for (int32_t g : kept) {
      r.group_kept[static_cast<size_t>(t) * n_group + g] = 1;
      std::copy(c + g * per_group, c + (g + 1) * per_group, masked.begin() + g * per_group);
    }
    int32_t* ids = &r.topk_ids[static_cast<size_t>(t) * k];  // [k]
    float* w = &r.topk_weights[static_cast<size_t>(t) * k];  // [k]
    topk_row(masked.data(), experts, k, ids);
    float sum = 0.0f;
    for (int i = 0; i < k; ++i) sum += w[i] = s[ids[i]];
    for (int i = 0; i < k; ++i) {
      if (norm_topk_prob) w[i] /= sum + 1e-20f;
      w[i] *= routed_scaling_factor;
    }
  }
  return r;
}

}  // namespace moe::routing

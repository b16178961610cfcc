#include "moe/routing/deepseek_routing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

GroupedTopkBias sigmoid_grouped_topk_bias(std::span<const float> logits,
                                          std::span<const float> correction_bias, int tokens,
                                          int experts, int k, int n_group, int topk_group,
                                          bool norm_topk_prob, float routed_scaling_factor) {
  GroupedTopkBias r;
  r.error = first_error({check_matrix("logits", logits, "tokens", tokens, "experts", experts),
                         check_range("n_group", n_group, 1, experts)});
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

  set_shape(r, tokens, experts, k);
  r.n_group = n_group;
  r.topk_group = topk_group;
  const size_t te = static_cast<size_t>(tokens) * experts;
  const size_t tg = static_cast<size_t>(tokens) * n_group;
  r.scores.resize(te);         // [T, E]
  r.biased_scores.resize(te);  // [T, E]
  r.group_scores.resize(tg);   // [T, G]
  r.group_kept.assign(tg, 0);  // [T, G]

  router_compute_sigmoid_scores(logits.data(), tokens, experts, r.scores.data());
  if (correction_bias.empty()) {
    r.biased_scores = r.scores;
  } else {
    router_add_selection_bias(r.scores.data(), correction_bias.data(), tokens, experts,
                              r.biased_scores.data());
  }
  router_select_grouped_topk(r.biased_scores.data(), tokens, experts, n_group, topk_group, k,
                             r.topk_ids.data(), r.group_scores.data(), r.group_kept.data());
  router_gather_weights(r.scores.data(), r.topk_ids.data(), tokens, experts, k,
                        r.topk_weights.data());
  if (norm_topk_prob) router_renormalise(r.topk_weights.data(), tokens, k, 1e-20f);
  router_scale(r.topk_weights.data(), tokens, k, routed_scaling_factor);
  return r;
}

}  // namespace moe::routing

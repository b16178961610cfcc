#include "moe/routing/softmax_topk.hpp"

#include "moe/routing/router.hpp"
#include "routing/validate.hpp"

namespace moe::routing {

SoftmaxTopk softmax_topk(std::span<const float> logits, int tokens, int experts, int k,
                         bool renormalise) {
  using namespace detail;
  SoftmaxTopk r;
  r.error = first_error({check_matrix("logits", logits, "tokens", tokens, "experts", experts),
                         check_range("k", k, 1, experts)});
  if (r.ok()) r.error = check_finite("logits", logits);
  if (!r.ok()) return r;

  r.tokens = tokens;
  r.experts = experts;
  r.k = k;
  r.probs.resize(static_cast<size_t>(tokens) * experts);   // [T, E]
  r.topk_ids.resize(static_cast<size_t>(tokens) * k);      // [T, k]
  r.topk_weights.resize(static_cast<size_t>(tokens) * k);  // [T, k]
  router_compute_probs(logits.data(), tokens, experts, r.probs.data());
  router_select_topk(r.probs.data(), tokens, experts, k, r.topk_ids.data());
  router_gather_weights(r.probs.data(), r.topk_ids.data(), tokens, experts, k,
                        r.topk_weights.data());
  if (renormalise) router_renormalise(r.topk_weights.data(), tokens, k);
  return r;
}

}  // namespace moe::routing

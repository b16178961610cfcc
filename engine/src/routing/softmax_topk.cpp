#include "moe/routing/softmax_topk.hpp"

#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

SoftmaxTopk softmax_topk(std::span<const float> logits, int tokens, int experts, int k,
                         bool renormalise) {
  using namespace detail;
  SoftmaxTopk r;
  if (!validate_into(r,
                     {check_matrix("logits", logits, "tokens", tokens, "experts", experts),
                      check_range("k", k, 1, experts)},
                     {{"logits", logits}})) {
    return r;
  }
  set_shape(r, tokens, experts, k);
  r.probs.resize(static_cast<size_t>(tokens) * experts);  // [T, E]
  router_compute_probs(logits.data(), tokens, experts, r.probs.data());
  router_select_topk(r.probs.data(), tokens, experts, k, r.topk_ids.data());
  router_gather_weights(r.probs.data(), r.topk_ids.data(), tokens, experts, k,
                        r.topk_weights.data());
  if (renormalise) router_renormalise(r.topk_weights.data(), tokens, k);
  return r;
}

}  // namespace moe::routing

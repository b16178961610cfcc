#include "moe/routing/softmax_topk.hpp"

#include "moe/routing/math.hpp"
#include "routing/validate.hpp"

namespace moe::routing {

SoftmaxTopk softmax_topk(std::span<const float> logits, int tokens, int experts, int k,
                         bool renormalise) {
  using namespace detail;
  SoftmaxTopk r;
  r.error = first_error(
      {check_range("tokens", tokens, 1, kMaxRows), check_range("experts", experts, 1, kMaxCols),
       check_range("k", k, 1, experts), check_cells("logits", tokens, experts),
       check_size("logits", logits.size(), int64_t{tokens} * experts, "tokens·experts")});
  if (r.ok()) r.error = check_finite("logits", logits);
  if (!r.ok()) return r;

  r.tokens = tokens;
  r.experts = experts;
  r.k = k;
  r.probs.resize(static_cast<size_t>(tokens) * experts);   // [T, E]
  r.topk_ids.resize(static_cast<size_t>(tokens) * k);      // [T, k]
  r.topk_weights.resize(static_cast<size_t>(tokens) * k);  // [T, k]
  for (int t = 0; t < tokens; ++t) {
    float* p = &r.probs[static_cast<size_t>(t) * experts];   // [E]
    int32_t* ids = &r.topk_ids[static_cast<size_t>(t) * k];  // [k]
    float* w = &r.topk_weights[static_cast<size_t>(t) * k];  // [k]
    softmax_row(&logits[static_cast<size_t>(t) * experts], experts, p);
    topk_row(p, experts, k, ids);
    double sum = 0.0;
    for (int i = 0; i < k; ++i) sum += w[i] = p[ids[i]];
    if (renormalise) {
      for (int i = 0; i < k; ++i) w[i] = static_cast<float>(w[i] / sum);
    }
  }
  return r;
}

}  // namespace moe::routing

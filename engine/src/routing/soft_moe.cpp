#include "moe/routing/soft_moe.hpp"

#include "moe/kernels/kernels.hpp"
#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

SoftMoeWeights soft_moe_weights(std::span<const float> logits, int tokens, int experts,
                                int slots_per_expert) {
  SoftMoeWeights r;
  const int64_t slots = int64_t{experts} * slots_per_expert;
  if (!validate_into(
          r,
          {check_range("experts", experts, 1, kMaxCols),
           check_range("slots_per_expert", slots_per_expert, 1, kMaxCols),
           check_matrix("logits", logits, "tokens", tokens, "experts·slots_per_expert", slots)},
          {{"logits", logits}})) {
    return r;
  }
  set_shape(r, tokens, experts);
  r.slots_per_expert = slots_per_expert;
  r.slots = static_cast<int>(slots);
  const size_t cells = static_cast<size_t>(tokens) * slots;
  r.dispatch.resize(cells);                                                // [T, S]
  r.combine.resize(cells);                                                 // [T, S]
  router_compute_probs(logits.data(), tokens, r.slots, r.combine.data());  // over slots
  std::vector<float> column(tokens);  // [T]  one slot's logits, then its dispatch weights
  for (int64_t s = 0; s < slots; ++s) {
    for (int t = 0; t < tokens; ++t) column[t] = logits[t * slots + s];
    f32_softmax_rows(column.data(), column.data(), 1, static_cast<size_t>(tokens));
    for (int t = 0; t < tokens; ++t) r.dispatch[t * slots + s] = column[t];
  }
  return r;
}

}  // namespace moe::routing

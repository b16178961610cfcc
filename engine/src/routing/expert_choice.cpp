#include "moe/routing/expert_choice.hpp"

#include <algorithm>
#include <cmath>

#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

ExpertChoiceCapacity expert_choice_capacity(double capacity_factor, int tokens, int experts) {
  ExpertChoiceCapacity r;
  r.error = first_error(
      {check_range("tokens", tokens, 1, kMaxRows), check_range("experts", experts, 1, kMaxCols)});
  if (r.ok() && !(std::isfinite(capacity_factor) && capacity_factor >= 0.0)) {
    r.error =
        "capacity_factor: must be a finite number >= 0, got " + std::to_string(capacity_factor);
  }
  if (!r.ok()) return r;
  const double x = std::min(capacity_factor * tokens / experts, static_cast<double>(tokens));
  r.value = static_cast<int>(std::round(x));  // std::round already maps x ± 1e-9 to the integer
  return r;
}

ExpertChoice expert_choice(std::span<const float> logits, int tokens, int experts, int capacity) {
  ExpertChoice r;
  if (!validate_into(r,
                     {check_matrix("logits", logits, "tokens", tokens, "experts", experts),
                      check_range("capacity", capacity, 0, tokens)},
                     {{"logits", logits}})) {
    return r;
  }
  set_shape(r, tokens, experts);
  r.capacity = capacity;
  const size_t te = static_cast<size_t>(tokens) * experts;
  const size_t ec = static_cast<size_t>(experts) * capacity;
  r.probs.resize(te);                     // [T, E]
  r.expert_tokens.resize(ec);             // [E, C]
  r.expert_gates.resize(ec);              // [E, C]
  r.assigned.assign(te, 0);               // [T, E]
  r.combine_weights.assign(te, 0.0f);     // [T, E]
  r.experts_per_token.assign(tokens, 0);  // [T]
  router_compute_probs(logits.data(), tokens, experts, r.probs.data());
  router_select_expert_choice(r.probs.data(), tokens, experts, capacity, r.expert_tokens.data());
  for (int e = 0; e < experts; ++e) {
    for (int j = 0; j < capacity; ++j) {
      const int32_t t = r.expert_tokens[static_cast<size_t>(e) * capacity + j];
      const size_t cell = static_cast<size_t>(t) * experts + e;
      const float p = r.probs[cell];
      r.expert_gates[static_cast<size_t>(e) * capacity + j] = p;
      r.assigned[cell] = 1;
      r.combine_weights[cell] = p;
      r.experts_per_token[t] += 1;
    }
  }
  int unrouted = 0;
  for (int32_t n : r.experts_per_token) unrouted += n == 0 ? 1 : 0;
  r.fraction_unrouted = static_cast<float>(unrouted) / tokens;
  return r;
}

}  // namespace moe::routing

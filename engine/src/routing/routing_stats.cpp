#include "moe/routing/routing_stats.hpp"

#include <algorithm>
#include <cmath>

#include "moe/routing/math.hpp"
#include "routing/validate.hpp"

namespace moe::routing {

using namespace detail;

namespace {
void imbalance(const std::vector<int32_t>& counts, float& cv, float& max_over_mean) {
  std::vector<float> x(counts.begin(), counts.end());  // [E]
  double mean = 0.0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(x.size());
  cv = static_cast<float>(coefficient_of_variation(x));
  max_over_mean =
      mean > 0.0 ? static_cast<float>(*std::max_element(x.begin(), x.end()) / mean) : 0.0f;
}
}  // namespace

RoutingStats routing_stats(std::span<const float> probs, std::span<const int32_t> topk_ids,
                           std::span<const uint8_t> kept, int tokens, int experts, int k) {
  RoutingStats r;
  const int64_t te = int64_t{tokens} * experts;
  const int64_t tk = int64_t{tokens} * k;
  r.error = first_error({check_range("tokens", tokens, 1, kMaxRows),
                         check_range("experts", experts, 1, kMaxCols),
                         check_range("k", k, 1, experts), check_cells("probs", tokens, experts),
                         check_size("probs", probs.size(), te, "tokens·experts"),
                         check_size("topk_ids", topk_ids.size(), tk, "tokens·k")});
  if (r.ok() && !kept.empty()) r.error = check_size("kept", kept.size(), tk, "tokens·k");
  if (r.ok()) r.error = check_finite("probs", probs);
  for (int64_t i = 0; r.ok() && i < tk; ++i) {
    if (topk_ids[i] < 0 || topk_ids[i] >= experts) {
      r.error = "topk_ids[" + std::to_string(i) + "]: must be between 0 and " +
                std::to_string(experts - 1) + ", got " + std::to_string(topk_ids[i]);
    }
  }
  if (!r.ok()) return r;

  r.counts_before_capacity.assign(experts, 0);  // [E]
  r.counts_after_capacity.assign(experts, 0);   // [E]
  r.load_fraction.resize(experts);              // [E]
  r.mean_prob.resize(experts);                  // [E]
  std::vector<double> prob_sum(experts, 0.0);   // [E]
  double entropy_sum = 0.0;
  for (int t = 0; t < tokens; ++t) {
    bool any_kept = false;
    for (int i = 0; i < k; ++i) {
      const int64_t slot = int64_t{t} * k + i;
      const bool is_kept = kept.empty() || kept[slot] != 0;
      r.counts_before_capacity[topk_ids[slot]] += 1;
      r.counts_after_capacity[topk_ids[slot]] += is_kept ? 1 : 0;
      r.dropped_assignments += is_kept ? 0 : 1;
      any_kept = any_kept || is_kept;
    }
    r.dropped_tokens += any_kept ? 0 : 1;
    for (int e = 0; e < experts; ++e) {
      const double p = probs[int64_t{t} * experts + e];
      prob_sum[e] += p;
      if (p > 0.0) entropy_sum -= p * std::log(p);
    }
  }
  for (int e = 0; e < experts; ++e) {
    r.load_fraction[e] = static_cast<float>(r.counts_before_capacity[e] / static_cast<double>(tk));
    r.mean_prob[e] = static_cast<float>(prob_sum[e] / tokens);
  }
  r.entropy = static_cast<float>(entropy_sum / tokens);
  imbalance(r.counts_before_capacity, r.load_cv, r.max_over_mean_load);
  imbalance(r.counts_after_capacity, r.load_cv_after, r.max_over_mean_load_after);
  return r;
}

}  // namespace moe::routing

#include "moe/analysis/coactivation.hpp"

#include <algorithm>
#include <string>

namespace moe::analysis {

Coactivation coactivation(const RoutingRecord& r, int layer) {
  const size_t E = static_cast<size_t>(r.num_experts);
  Coactivation c;
  c.counts.assign(E * E, 0);   // [E, E]
  c.given.assign(E * E, 0.0);  // [E, E]
  for (int n = 0; n < r.tokens(); ++n) {
    for (int32_t i : r.choices(layer, n)) {
      for (int32_t j : r.choices(layer, n)) ++c.counts[static_cast<size_t>(i) * E + j];
    }
  }
  for (size_t i = 0; i < E; ++i) {
    const int64_t own = c.counts[i * E + i];
    if (own == 0) continue;
    for (size_t j = 0; j < E; ++j) {
      c.given[i * E + j] = static_cast<double>(c.counts[i * E + j]) / static_cast<double>(own);
    }
  }
  return c;
}

Result<RouterSaturation> router_saturation(const RoutingRecord& step, const RoutingRecord& final) {
  const auto mismatch = [](const char* field, int a, int b) {
    return Error{std::string("saturation.") + field,
                 "the intermediate routing has " + std::to_string(a) + ", the final " +
                     std::to_string(b) + " (both must route the same tokens)"};
  };
  if (step.layers() != final.layers()) return mismatch("layers", step.layers(), final.layers());
  if (step.tokens() != final.tokens()) return mismatch("tokens", step.tokens(), final.tokens());
  if (step.num_experts != final.num_experts) {
    return mismatch("num_experts", step.num_experts, final.num_experts);
  }
  if (step.top_k != final.top_k) return mismatch("top_k", step.top_k, final.top_k);
  if (step.token_ids != final.token_ids) {
    return Error{"saturation.token_ids", "differ: both routings must cover the same tokens"};
  }
  const int L = final.layers(), N = final.tokens(), k = final.top_k;
  RouterSaturation s;
  s.per_layer.assign(static_cast<size_t>(L), 0.0);
  for (int l = 0; l < L && N > 0; ++l) {
    int64_t matched = 0;
    for (int n = 0; n < N; ++n) {
      std::span<const int32_t> a = step.choices(l, n), b = final.choices(l, n);
      for (int32_t e : a) matched += std::find(b.begin(), b.end(), e) != b.end() ? 1 : 0;
    }
    s.per_layer[static_cast<size_t>(l)] = static_cast<double>(matched) / (int64_t{N} * k);
    s.mean += s.per_layer[static_cast<size_t>(l)] / L;
  }
  return s;
}

}  // namespace moe::analysis

// The two stages every routing scheme starts with, said once: validate the arguments into the
// result's `error`, then record the result's shape and size its shared arrays. What follows them
// is each scheme's own.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>

#include "moe/routing/result.hpp"
#include "routing/validate.hpp"

namespace moe::routing::detail {

// A float array argument checked for finiteness, by the name its error message uses.
struct NamedArray {
  const char* name;
  std::span<const float> values;
};

// r.error = the first failing check of `checks` (in order), else, once every size is right, the
// first array of `finite` holding a NaN or ±inf. True when everything passed.
inline bool validate_into(RoutingResult& r, std::initializer_list<std::string> checks,
                          std::initializer_list<NamedArray> finite = {}) {
  r.error = first_error(checks);
  for (const NamedArray& a : finite) {
    if (r.ok()) r.error = check_finite(a.name, a.values);
  }
  return r.ok();
}

// Records T and E.
inline void set_shape(TokensExperts& r, int tokens, int experts) {
  r.tokens = tokens;
  r.experts = experts;
}

// Records T, E and k and sizes the choice to topk_ids [T, k] and topk_weights [T, k].
inline void set_shape(TopkChoice& r, int tokens, int experts, int k) {
  set_shape(static_cast<TokensExperts&>(r), tokens, experts);
  r.k = k;
  r.topk_ids.resize(static_cast<size_t>(tokens) * k);      // [T, k]
  r.topk_weights.resize(static_cast<size_t>(tokens) * k);  // [T, k]
}

// Records G, S, E and C and zeroes both per-expert counts [E]; probs is the scheme's to fill.
inline void set_shape(GroupedCapacity& r, int groups, int tokens_per_group, int experts,
                      int capacity) {
  r.groups = groups;
  r.tokens_per_group = tokens_per_group;
  r.experts = experts;
  r.capacity = capacity;
  r.counts_before_capacity.assign(experts, 0);  // [E]
  r.counts_after_capacity.assign(experts, 0);   // [E]
}

}  // namespace moe::routing::detail

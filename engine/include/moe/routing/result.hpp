// The parts every routing result shares, said once: the error value, the token/expert shape and
// the per-token top-k choice. Each scheme's header derives its result from one of these and adds
// only what that scheme computes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::routing {

// Errors are values: `error` is "" on success, else `field: reason`, and then every array of the
// result is empty and every number 0. Nothing throws or aborts.
struct RoutingResult {
  std::string error;
  bool ok() const { return error.empty(); }
};

// One number (a loss, a capacity) or its error.
template <typename T>
struct ValueResult : RoutingResult {
  T value{};
};

// A routing of T tokens over E experts.
struct TokensExperts : RoutingResult {
  int tokens = 0;   // T
  int experts = 0;  // E
};

// Every token keeps k experts, listed best first (each scheme's header says by which score and
// how ties break) with the weight that scales that expert's output.
struct TopkChoice : TokensExperts {
  int k = 0;
  std::vector<int32_t> topk_ids;    // [T, k]
  std::vector<float> topk_weights;  // [T, k]  paired with topk_ids by position
};

// A routing of G groups of S tokens (T = G·S) over E experts where each expert takes at most C
// assignments per group; the rest are dropped.
struct GroupedCapacity : RoutingResult {
  int groups = 0;                               // G
  int tokens_per_group = 0;                     // S
  int experts = 0;                              // E
  int capacity = 0;                             // C, per expert and per group
  std::vector<float> probs;                     // [T, E]  softmax over experts
  std::vector<int32_t> counts_before_capacity;  // [E]  assignments chosen, over all groups
  std::vector<int32_t> counts_after_capacity;   // [E]  assignments placed within capacity
};

}  // namespace moe::routing

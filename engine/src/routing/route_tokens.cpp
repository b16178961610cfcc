#include "moe/routing/route_tokens.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "moe/routing/expert_choice.hpp"
#include "moe/routing/router.hpp"
#include "moe/routing/switch_capacity.hpp"
#include "routing/route_kinds.hpp"

namespace moe {

Result<CapacityGroups> capacity_groups(const LayerConfig& c, int T) {
  int G = c.num_groups, S = c.tokens_per_group;
  const std::string t = std::to_string(T);
  if (G == 0 && S == 0) return CapacityGroups{1, T};
  if (G == 0) {
    if (T % S != 0) {
      return Error{"input.tokens",
                   "must be a multiple of tokens_per_group (" + std::to_string(S) + "), got " + t};
    }
    G = T / S;
  } else if (S == 0) {
    if (T % G != 0) {
      return Error{"input.tokens",
                   "must be a multiple of num_groups (" + std::to_string(G) + "), got " + t};
    }
    S = T / G;
  }
  if (int64_t{G} * S != T) {
    return Error{"input.tokens", "must equal num_groups · tokens_per_group = " + std::to_string(G) +
                                     " · " + std::to_string(S) + " = " +
                                     std::to_string(int64_t{G} * S) + ", got " + t};
  }
  return CapacityGroups{G, S};
}

Result<int> capacity_per_group(const LayerConfig& c, const CapacityGroups& g) {
  if (c.expert_capacity >= 0) return std::min(c.expert_capacity, g.tokens_per_group);
  const int S = g.tokens_per_group, E = c.num_experts;
  std::string error;
  int value = 0;
  if (c.router_kind == RouterKind::expert_choice) {
    const routing::ExpertChoiceCapacity r =
        routing::expert_choice_capacity(c.capacity_factor, S, E);
    error = r.error;
    value = r.value;
  } else {
    const double factor = c.router_kind == RouterKind::topk_capacity ? c.capacity_factor * c.top_k
                                                                     : c.capacity_factor;
    const routing::ExpertCapacity r = routing::expert_capacity(factor, S, E);
    error = r.error;
    value = r.value;
  }
  if (!error.empty()) return Error{"config.capacity_factor", error};
  return value;
}

namespace {

void size_slots(int T, int E, int s, Trace& tr) {
  const size_t ts = static_cast<size_t>(T) * s;
  tr.router_probs.assign(static_cast<size_t>(T) * E, 0.0f);  // [T, E]
  tr.topk_ids.assign(ts, 0);                                 // [T, s]
  tr.topk_weights.assign(ts, 0.0f);                          // [T, s]
  tr.kept.assign(ts, 1);                                     // [T, s]
  tr.combine_weights.assign(ts, 0.0f);                       // [T, s]
  tr.dropped.assign(static_cast<size_t>(T), 0);              // [T]
  tr.noisy_logits.clear();
  tr.expert_index_returned.clear();
  tr.dispatch_weights.clear();
  tr.slot_inputs.clear();
  tr.slot_outputs.clear();
}

// counts_before[e] = #{(t,j) : ids = e}, counts_after the same over kept pairs; dropped[t] = 1
// when no slot of t is kept.
void count_pairs(int T, int E, int s, Trace& tr) {
  tr.counts_before_capacity.assign(static_cast<size_t>(E), 0);  // [E]
  tr.counts_after_capacity.assign(static_cast<size_t>(E), 0);   // [E]
  for (int t = 0; t < T; ++t) {
    bool any = false;
    for (int j = 0; j < s; ++j) {
      const size_t tj = static_cast<size_t>(t) * s + j;
      const size_t e = static_cast<size_t>(tr.topk_ids[tj]);
      ++tr.counts_before_capacity[e];
      if (tr.kept[tj]) {
        ++tr.counts_after_capacity[e];
        any = true;
      }
    }
    tr.dropped[static_cast<size_t>(t)] = any ? 0 : 1;
  }
  tr.expert_load = tr.counts_after_capacity;
}

Result<bool> check_logits(const std::vector<float>& logits, int R) {
  for (size_t i = 0; i < logits.size(); ++i) {
    if (!std::isfinite(logits[i])) {
      return Error{"router_logits[" + std::to_string(i / R) + "][" + std::to_string(i % R) + "]",
                   "is not finite (weights or input too large)"};
    }
  }
  return true;
}

}  // namespace

bool SelectionMask::active() const {
  return top_ranks_off > 0 ||
         std::any_of(experts_off.begin(), experts_off.end(), [](uint8_t v) { return v != 0; });
}

int SelectionMask::max_excluded() const {
  int off = top_ranks_off;
  for (uint8_t v : experts_off) off += v != 0 ? 1 : 0;
  return off;
}

Result<bool> check_selection_mask(const LayerConfig& c, const SelectionMask& mask) {
  const int E = c.num_experts, k = c.top_k;
  if (!mask.experts_off.empty() && static_cast<int>(mask.experts_off.size()) != E) {
    return Error{"selection_mask.experts_off", "must have one entry per expert (" +
                                                   std::to_string(E) + "), got " +
                                                   std::to_string(mask.experts_off.size())};
  }
  if (mask.top_ranks_off < 0) {
    return Error{"selection_mask.top_ranks_off",
                 "must be >= 0, got " + std::to_string(mask.top_ranks_off)};
  }
  if (!mask.active()) return true;
  if (c.router_kind != RouterKind::softmax_topk &&
      c.router_kind != RouterKind::softmax_topk_renorm) {
    return Error{"selection_mask", "only the softmax_topk kinds take a mask, not " +
                                       std::string(to_string(c.router_kind))};
  }
  if (mask.max_excluded() > E - k) {
    return Error{"selection_mask", "excludes up to " + std::to_string(mask.max_excluded()) +
                                       " of " + std::to_string(E) +
                                       " experts, leaving fewer than top_k = " + std::to_string(k)};
  }
  return true;
}

Result<bool> route_tokens(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                          const CapacityGroups& g, Trace& tr, const SelectionMask& mask) {
  const int E = c.num_experts, R = c.router_rows(), s = c.slots_per_token();
  tr.slots = s;
  tr.groups = g.groups;
  tr.capacity = -1;
  tr.fraction_unrouted = 0.0f;
  tr.losses = TraceLosses{};

  tr.router_logits.resize(static_cast<size_t>(T) * R);  // [T, R]
  router_compute_logits(x, w.router.data(), T, c.d_model, R, tr.router_logits.data());
  if (!w.router_bias.empty()) {
    for (size_t i = 0; i < tr.router_logits.size(); ++i)
      tr.router_logits[i] += w.router_bias[i % R];
  }
  if (Result<bool> ok = check_logits(tr.router_logits, R); !ok.ok()) return ok;
  size_slots(T, E, s, tr);

  Result<bool> routed = true;
  switch (c.router_kind) {
    case RouterKind::softmax_topk:
    case RouterKind::softmax_topk_renorm:
      routed = detail::route_softmax_topk(c, T, mask, tr);
      break;
    case RouterKind::noisy_topk:
      routed = detail::route_noisy_topk(c, w, x, T, tr);
      break;
    case RouterKind::sigmoid_grouped_topk_bias:
      routed = detail::route_sigmoid_grouped(c, w, T, g, tr);
      break;
    case RouterKind::softmax_top1_capacity:
      routed = detail::route_switch(c, g, tr);
      break;
    case RouterKind::topk_capacity:
      routed = detail::route_gshard(c, g, tr);
      break;
    case RouterKind::expert_choice:
      routed = detail::route_expert_choice(c, g, tr);
      break;
    case RouterKind::soft_moe:
      routed = detail::route_soft_moe(c, T, tr);
      break;
  }
  if (!routed.ok()) return routed;
  count_pairs(T, E, s, tr);
  return true;
}

}  // namespace moe

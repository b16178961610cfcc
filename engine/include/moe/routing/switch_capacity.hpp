// Switch Transformers top-1 routing with a per-group expert capacity (conventions S1-S6), and the
// capacity formula.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

enum class CapacityRounding {
  floor,    // int(x) for x >= 0: Python's int(), Mesh-TensorFlow. The default.
  ceil,     // math.ceil(x): never below the fair share.
  nearest,  // round half away from zero.
};

using ExpertCapacity = ValueResult<int>;

// capacity = rounding(capacity_factor · tokens_per_group / num_experts), clamped to
// [0, tokens_per_group]. The oracle's harness computes `capacity_factor * tokens_per_group /
// num_experts` and their config takes the integer: 1.0·8/4 = 2 and 0.5·8/4 = 1 are exact, so
// every rounding reproduces them; we default to floor (Python int()). To keep a product such as
// 0.7·90/3 = 20.999999999999996 from flooring to 20, floor and ceil first snap x to the nearest
// integer when |x - round(x)| < 1e-9. Capacity 0 is allowed (every token is dropped).
ExpertCapacity expert_capacity(double capacity_factor, int tokens_per_group, int num_experts,
                               CapacityRounding rounding = CapacityRounding::floor);

// The groups G are the batch rows; counts_after_capacity are the tokens the experts actually
// process.
struct SwitchTop1Capacity : GroupedCapacity {
  std::vector<int32_t> expert_index;           // [T]  pre-capacity argmax (their topk_indices)
  std::vector<float> gate;                     // [T]  raw top-1 prob, also for dropped (S4)
  std::vector<uint8_t> dropped;                // [T]  1 = over capacity (S1)
  std::vector<int32_t> expert_index_returned;  // [T]  expert_index, or 0 if dropped (S3)
  std::vector<float> combine_weight;           // [T]  gate, or 0 if dropped (S2)
  std::vector<int32_t> position_in_expert;     // [T]  slot in its expert's group buffer, -1 dropped
  int dropped_count = 0;
  float z_loss = 0.0f;                 // S6
  float aux_loss = 0.0f;               // S5: per group, on expert_index_returned
  float aux_loss_pre_capacity = 0.0f;  // same function on expert_index
  float aux_loss_global = 0.0f;        // textbook: whole batch, on expert_index
};

// Switch top-1 routing with capacity, per group g of S tokens (token t = g·S + s):
//   p[t,e]     = softmax_e(l[t,e])            idx[t] = argmax_e p[t,e] (ties to the lower e)
//   gate[t]    = p[t, idx[t]]                 (no renormalisation, S4)
//   pos[t]     = #{ s' < s : idx[g·S + s'] == idx[t] }    first come first served in sequence
//                                             order, not by probability (S1)
//   dropped[t] = pos[t] >= C                  combine_weight[t] = dropped ? 0 : gate[t] (S2)
//   returned[t]= dropped ? 0 : idx[t]         (S3)
// and the losses of losses.hpp: z_loss (S6), aux_loss = switch_load_balancing_loss on `returned`
// (S5), aux_loss_pre_capacity on idx, aux_loss_global = the textbook global form on idx.
// logits: [G·S, E]; capacity >= 0.
SwitchTop1Capacity softmax_top1_capacity(std::span<const float> logits, int groups,
                                         int tokens_per_group, int experts, int capacity);

}  // namespace moe::routing

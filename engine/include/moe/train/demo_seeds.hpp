// The balancing demonstrations of the tutor's training lessons: their configs and the seeds on
// which tests/engine/train/test_train_demo.cpp shows each effect. Lessons reuse these so what a
// learner sees is what the tests check. All three start from the same initialisation: a small
// router (router_init_scale 0.1, the Switch Transformer's advice of a 10x smaller init, so routing
// starts close to uniform per token) and no head start for any expert (router_skew 0): whatever
// imbalance appears comes from the random initialisation and the data. The corpus tokens share a
// large common input direction (the bias feature), so an early lead that chance gives one expert
// carries over to most tokens and training amplifies it.
#pragma once

#include <array>
#include <cstdint>

namespace moe::train::demo {

// Seeds 1..5, not chosen per demonstration: the tests require the effect on at least 4 of them.
inline constexpr std::array<uint64_t, 5> kSeeds = {1, 2, 3, 4, 5};
inline constexpr int kSeedsRequired = 4;

// (a) Collapse: top-1 softmax router, no balancing. The two busiest experts end with more than
//     0.9 of the tokens and at least 5 of the 8 experts with under 1% each.
// (b) Fairness: the same with the Switch aux loss, alpha 0.01. Load CV below half of (a)'s.
inline constexpr const char* kCollapseConfig = R"({
  "task": "tokens", "d_model": 16, "d_ff": 32, "num_experts": 8, "top_k": 1,
  "router_kind": "softmax_topk", "optimizer": "adam", "lr": 0.01, "batch": 128, "seq_len": 32,
  "steps": 400, "chunk": 50, "router_init_scale": 0.1,
  "balancing": {"kind": "none"}
})";
inline constexpr const char* kSwitchAuxConfig = R"({
  "task": "tokens", "d_model": 16, "d_ff": 32, "num_experts": 8, "top_k": 1,
  "router_kind": "softmax_topk", "optimizer": "adam", "lr": 0.01, "batch": 128, "seq_len": 32,
  "steps": 400, "chunk": 50, "router_init_scale": 0.1,
  "balancing": {"kind": "switch_aux", "alpha": 0.01}
})";
// (c) Auxiliary-loss-free balancing: sigmoid router, top-2, bias speed gamma 0.005, no aux
// loss, as many steps as (a) and (b). Busiest expert ends below 1.5 / E of the (token, slot) pairs.
inline constexpr const char* kBiasConfig = R"({
  "task": "tokens", "d_model": 16, "d_ff": 32, "num_experts": 8, "top_k": 2,
  "router_kind": "sigmoid_grouped_topk_bias", "optimizer": "adam", "lr": 0.01, "batch": 256, "seq_len": 32,
  "steps": 400, "chunk": 50, "router_init_scale": 0.1,
  "balancing": {"kind": "aux_free_bias", "gamma": 0.005}
})";

}  // namespace moe::train::demo

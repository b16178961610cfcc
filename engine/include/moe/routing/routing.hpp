// moe::routing: pure, array-level routing schemes and router losses. Every function takes
// row-major float arrays with explicit sizes, returns a plain struct whose `error` is "" on
// success or `field: reason` otherwise, and never throws, aborts or keeps state.
//
// Deliberately left out: expert FFNs, dispatch/combine of hidden states, shared experts (the
// layer's job), gradients, and router jitter noise.
#pragma once

#include "moe/routing/deepseek_balance.hpp"
#include "moe/routing/deepseek_routing.hpp"
#include "moe/routing/expert_choice.hpp"
#include "moe/routing/gshard_capacity.hpp"
#include "moe/routing/losses.hpp"
#include "moe/routing/math.hpp"
#include "moe/routing/mixture_of_depths.hpp"
#include "moe/routing/noisy_topk.hpp"
#include "moe/routing/rng.hpp"
#include "moe/routing/routing_stats.hpp"
#include "moe/routing/shared_expert_gate.hpp"
#include "moe/routing/soft_moe.hpp"
#include "moe/routing/softmax_topk.hpp"
#include "moe/routing/switch_capacity.hpp"

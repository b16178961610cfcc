// The layer stages after routing that only some configs have: the soft-MoE expert stage, the
// shared expert (DeepSeek-V3 ungated, Qwen2-MoE sigmoid-gated) and Switch's optional residual for
// dropped tokens. T tokens, d = d_model, E experts, p slots per expert, S = E·p, sf = shared width.
#pragma once

#include "moe/layer/experts.hpp"
#include "moe/layer/trace.hpp"
#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe {

// Soft MoE (Puigcerver et al. 2023), with D = tr.dispatch_weights, C = tr.combine_weights [T, S]:
//   slot_inputs[s,i]  = Σ_t D[t,s] · x[t,i]               [S, d]
//   slot_outputs[s,:] = FFN_{s/p}(slot_inputs[s,:])       [S, d]   (expert e runs on its p slots)
//   output[t,i]       = Σ_s C[t,s] · slot_outputs[s,i]    [T, d]
//   x [T, d]
void soft_moe_experts(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                      ExpertWorkspace& ws, Trace& tr);

// The shared expert, always on (D5, Q1):
//   shared[t,:]   = MLP_shared(x[t,:])      [T, d]   same expert kind as the routed experts
//   gate_logit[t] = Σ_i w_g[i] · x[t,i]    [T]      gated (Qwen2-MoE) only
//   output[t,:]  += (gated ? sigmoid(gate_logit[t]) : 1) · shared[t,:]
//   x [T, d]; fills tr.shared_expert_output and tr.shared_expert_gate_logit (empty if ungated).
void shared_expert_add(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                       ExpertWorkspace& ws, Trace& tr);

// Switch with add_residual (S2 fused): output[t,:] += x[t,:] for every dropped token, so a
// dropped token passes through unchanged instead of getting a zero row.
//   x [T, d]
void add_residual_for_dropped(const float* x, int T, int d, Trace& tr);

}  // namespace moe

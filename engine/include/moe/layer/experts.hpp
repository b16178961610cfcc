// The expert stages of an MoE forward pass: group (token, slot) pairs by expert, run each expert
// FFN once over its group, and combine the gated outputs. T tokens, d = d_model, E experts,
// k = top_k, f = d_ff.
#pragma once

#include <cstdint>
#include <vector>

#include "moe/kernels/packed_weights.hpp"
#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe {

// The routing decision as work lists: the (token, slot) pairs of expert e are
// pairs[offsets[e] .. offsets[e+1]), in token order; a pair is stored as t·s + j, with s = slots
// per token (k, or E for expert choice).
struct ExpertDispatch {
  int slots = 0;                 // s
  std::vector<int32_t> offsets;  // [E + 1]
  std::vector<int32_t> pairs;    // [<= T·s]  only the pairs that run
};

// Scratch for experts_forward; grown on demand, reused across calls.
struct ExpertWorkspace {
  std::vector<float> x_grouped;  // [T·k, d]  input rows, grouped by expert
  std::vector<float> hidden;     // [T·k, f]  act(w1·x), then the swiglu product
  std::vector<float> up;         // [T·k, f]  w3·x (swiglu)
  std::vector<float> y_grouped;  // [T·k, d]  expert outputs, grouped by expert
};

// offsets[e+1] - offsets[e] = #{(t,j) : topk_ids[t,j] = e}; pairs sorted by (expert, t, j).
//   topk_ids [T, k]
void experts_group_tokens(const int32_t* topk_ids, int T, int k, int E, ExpertDispatch& dispatch);

// The same for the kept pairs only (capacity, expert choice): a pair with kept[t,j] = 0 is left
// out, so no expert computes it.
//   topk_ids [T, s], kept [T, s]
void experts_group_kept(const int32_t* topk_ids, const uint8_t* kept, int T, int s, int E,
                        ExpertDispatch& dispatch);

// The expert's nonlinearity in place over n = rows · d_ff values: swiglu
//   hidden[i] = silu(hidden[i]) · up[i]
// mlp: hidden[i] = act(hidden[i]) with the config's activation (relu, gelu or silu). Shared by
// expert_ffn_forward and its packed twin (packed_weights.hpp).
void expert_activation(const LayerConfig& config, float* hidden, const float* up, size_t n);

// One expert over n rows:
//   mlp:    y[r,:] = w2 · act(w1 · x[r,:])
//   swiglu: y[r,:] = w2 · (silu(w1 · x[r,:]) ⊙ (w3 · x[r,:]))
//   x [n, d], hidden [n, f], up [n, f] (swiglu only), y [n, d]
void expert_ffn_forward(const ExpertWeights& w, const LayerConfig& config, const float* x, int n,
                        float* hidden, float* up, float* y);

// expert_outputs[t,j,:] = FFN_{topk_ids[t,j]}(x[t,:]) for every pair in the dispatch: gather each
// expert's rows, run the expert once on them, scatter the results back to their (t, j) slot.
// Slots not in the dispatch are left untouched (the layer zeroes the dropped ones).
//   x [T, d], expert_outputs [T, s, d]
void experts_forward(const LayerWeights& weights, const LayerConfig& config, const float* x, int T,
                     const ExpertDispatch& dispatch, ExpertWorkspace& workspace,
                     float* expert_outputs, const PackedExpert* packed = nullptr);
// With thread_count() > 1 (thread_pool.hpp) and enough work, whole experts run on different
// threads, each thread taking the next of experts_busiest_first when it is free; each output is
// computed as with one thread, so results are identical.

// The experts that have rows, most rows first (ties: the lower expert id).
//   offsets [E + 1] as in ExpertDispatch
std::vector<int> experts_busiest_first(const std::vector<int32_t>& offsets);

// output[t,:] = Σ_j topk_weights[t,j] · expert_outputs[t,j,:]   (slots summed in order j = 0..k-1)
//   topk_weights [T, k], expert_outputs [T, k, d], output [T, d]
void moe_combine(const float* topk_weights, const float* expert_outputs, int T, int k, int d,
                 float* output);

}  // namespace moe

// The language model as a trainable function: the forward of lm_forward.hpp over B windows of
// T + 1 tokens (inputs = the first T, targets = the last T), the next-token loss (lm_loss.hpp),
// and the hand-written backward for every parameter, in reverse order of the forward (llm.c
// layout: one activation struct per layer). Templated on the scalar: float trains (SIMD
// matmuls), double checks the gradient by finite differences.
//
//   x0 = embed[ids]                                                     [N, d]   N = B·T
//   per layer l:  a = rmsnorm(x, w_attn);  q, k, v = a·Wqᵀ, a·Wkᵀ, a·Wvᵀ; RoPE(q), RoPE(k)
//                 x' = x + attention(q, k, v) · Woᵀ                     causal, grouped-query
//                 m = rmsnorm(x', w_moe);  x'' = x' + moe(m) [+ shared(m)]   train/model.hpp's
//                 layer
//   logits = rmsnorm(x_L, w_norm) · lm_headᵀ                            [N, V]
//   loss   = next_token_loss(logits, targets) + Σ_l aux_l                (aux weighted by coefs)
//
// Backward of the new stages (dy = ∂loss/∂y):
//   rmsnorm  y = x·r·w, r = (mean x² + eps)^-1/2:  dw += Σ_t dy⊙x·r,
//            dx = r·(dy⊙w) − x · r³/d · Σ_i dy_i w_i x_i
//   RoPE     a rotation by the angle a: its gradient is the rotation by −a
//   attention per head: dp = dout·vᵀ, ds = p ⊙ (dp − Σ_s dp⊙p) / sqrt(hd), dq = ds·k,
//            dk += dsᵀ·q, dv += pᵀ·dout (the heads of a kv group add into its dk, dv)
//   linear   y = x·Wᵀ: dx = dy·W, dW = dyᵀ·x;  embedding: d embed[ids[n]] += dx0[n]
// The MoE block is train/model.hpp's layer (model_forward / model_backward): its routing,
// gates, aux losses and their gradient conventions are the layer trainer's, not a copy. The
// shared expert (DeepSeek-V3, n_shared_experts > 0) is the same layer with E = k = 1 and width
// sf = n_shared_experts · f: softmax over one expert gives it gate 1 exactly, so it is
// shared(m) = w2(silu(w1 m) ⊙ w3 m), and its one router row [1, d] has no effect and gradient 0
// (the dense variant's block is the same trick). dm = d moe + d shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "moe/lm/lm_config.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/result.hpp"
#include "moe/train/model.hpp"

namespace moe::lm {

// What trains: the model's config plus the MoE block's router kind and balancing terms.
struct LmTrainShape {
  LmConfig config;
  train::ModelShape moe;     // d_model, d_ff, E, k, router kind, capacity (from config + choice)
  train::ModelShape shared;  // the shared expert: E = k = 1, d_ff = sf; num_experts 0 = none
  train::LossCoefs coefs;    // aux terms of every layer's block (each layer's own loss, summed)

  // The config's block: its router kind over E SwiGLU experts (Mixtral's by default), plus the
  // shared expert when it has one.
  static LmTrainShape of(const LmConfig& config);
  bool has_shared() const { return shared.num_experts > 0; }
};

// Offsets of each tensor in the flat parameter vector (and the gradient, and the optimiser's
// moments): [embed V·d] then per layer [input_layernorm d][q H·hd·d][k KV·hd·d][v KV·hd·d]
// [o d·H·hd][post_attention_layernorm d][MoE block: ModelShape layout: gate E·d, then per
// expert w1 f·d, w3 f·d, w2 d·f][shared expert, when present: unused gate d, w1 sf·d, w3 sf·d,
// w2 d·sf], then [norm d][lm_head V·d].
struct LmParamLayout {
  struct Layer {
    size_t attn_norm = 0, q = 0, k = 0, v = 0, o = 0, moe_norm = 0, moe = 0, shared = 0;
  };
  size_t embed = 0, norm = 0, lm_head = 0, total = 0;
  std::vector<Layer> layers;  // [L]

  explicit LmParamLayout(const LmTrainShape& shape);
  // [begin, end) ranges of the vectors that take no weight decay: embeddings and RMSNorm
  // weights (the linear weights, router included, decay).
  std::vector<std::pair<size_t, size_t>> no_decay_ranges() const;
};

// LmWeights (HF names) <-> the flat vector. The weights must match the shape's config.
std::vector<float> lm_params_from_weights(const LmWeights& weights, const LmTrainShape& shape);
LmWeights lm_weights_from_params(const float* params, const LmTrainShape& shape);

// Scratch of the attention passes, grown on demand.
template <class Real>
struct LmAttentionScratch {
  std::vector<Real> q, k, v, o;  // [T, hd] one head
  std::vector<Real> dp;          // [T, T]
  std::vector<Real> s1, s2;      // linalg transposes
  std::vector<Real> tmp;         // [T, hd] one head's gradient
};

// One layer's activations for the backward; N rows, n = B·T.
template <class Real>
struct LmTrainLayer {
  std::vector<Real> input;           // [N, d]   residual stream entering the layer
  std::vector<Real> attn_norm;       // [N, d]
  std::vector<Real> attn_rstd;       // [N]      r of the first rmsnorm
  std::vector<Real> q, k, v;         // [N, H·hd], [N, KV·hd] x2   q, k after RoPE
  std::vector<Real> probs;           // [B, H, T, T] causal softmax (0 above the diagonal)
  std::vector<Real> attn;            // [N, H·hd]  heads before o_proj
  std::vector<Real> resid_mid;       // [N, d]
  std::vector<Real> moe_norm;        // [N, d]
  std::vector<Real> moe_rstd;        // [N]
  train::Workspace<Real> moe_ws;     // the MoE block's routing and expert activations
  train::Workspace<Real> shared_ws;  // the shared expert's activations (out [N, d])
  train::LossParts moe_loss;         // its aux loss values
};

template <class Real>
struct LmTrainWorkspace {
  std::vector<LmTrainLayer<Real>> layers;  // [L]
  std::vector<Real> x_final;               // [N, d]  residual stream after the last layer
  std::vector<Real> final_norm;            // [N, d]
  std::vector<Real> final_rstd;            // [N]
  std::vector<Real> logits, dlogits;       // [N, V]
  std::vector<Real> rope_cos, rope_sin;    // [T, hd/2]
  std::vector<int32_t> inputs, targets;    // [N]
  // backward scratch
  std::vector<Real> dx, dnorm, dattn, dq, dk, dv, dmoe, dshared, dtmp;  // [N, ·]
  std::vector<Real> s1;                                                 // linalg transposes
  LmAttentionScratch<Real> attention;
};

// Loss of one pass: the mean next-token loss, and per layer the block's aux loss values.
struct LmLoss {
  double next_token = 0;                 // mean NLL over the N predicted tokens
  double aux = 0;                        // Σ_l coefs-weighted aux terms
  std::vector<train::LossParts> layers;  // [L] unweighted aux terms of each layer
  double total() const { return next_token + aux; }
};

// Forward over `windows` [B, T+1] (ids < V) and, with grad != nullptr, the gradient of
// loss.total() for every parameter (LmParamLayout order, overwritten). bias: [L, E] per-layer
// selection-only bias (sigmoid or any top-k kind), or nullptr. seq_len of the MoE block = T (each
// window is a sequence for the capacity kinds and the sequence-wise loss).
template <class Real>
LmLoss lm_train_forward_backward(const LmTrainShape& shape, const Real* params, const Real* bias,
                                 const int32_t* windows, int B, int T, Real* grad,
                                 LmTrainWorkspace<Real>& ws);

extern template LmLoss lm_train_forward_backward<float>(const LmTrainShape&, const float*,
                                                        const float*, const int32_t*, int, int,
                                                        float*, LmTrainWorkspace<float>&);
extern template LmLoss lm_train_forward_backward<double>(const LmTrainShape&, const double*,
                                                         const double*, const int32_t*, int, int,
                                                         double*, LmTrainWorkspace<double>&);

// Checks that the shape can train: an untied lm_head, a router kind with an input gradient
// (train::takes_input_gradient), capacity kinds only with top-1 (Switch) or top-k (GShard) as the
// layer trainer defines them. Errors name `config.<field>` or `router`.
Result<bool> check_lm_train_shape(const LmTrainShape& shape);

}  // namespace moe::lm

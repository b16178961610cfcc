// The trainable MoE layer: a router of one of eight kinds over E experts, and its hand-written
// backward pass. Templated on the scalar (float for training, double for the finite-difference
// gradient checks); both instantiations live in model.cpp, the router kinds in router_*.cpp.
//
// T tokens, d = d_model, f = d_ff, E experts, k = top_k, S tokens per sequence, B = T / S.
// Sequences are the capacity groups of the capacity kinds and the token sets soft_moe mixes.
//
// Forward of the top-k kinds, per token t (x [T,d], targets y [T,d]):
//   l[t,e]  = Σ_i x[t,i] · W_g[e,i]                                        router logits [T,E]
//   softmax routers: s[t,e] = softmax_e(l[t,·])       sigmoid_grouped_topk_bias: s[t,e] = σ(l[t,e])
//   q[t,e]  = s[t,e] / Σ_e' s[t,e']       normalised affinities (= s for softmax)     [T,E]
//   ids[t]  = top-k of s[t,e] + b[e]      b: selection-only bias (DeepSeek), not a gradient
//             parameter; ties go to the lower expert index
//   g[t,j]  = s[t,ids[t,j]]               (÷ Σ_j' s[t,ids[t,j']] for softmax_topk_renorm and
//                                          sigmoid_grouped_topk_bias) gates [T,k]
//   o[t]    = Σ_j kept[t,j] · g[t,j] · FFN_{ids[t,j]}(x[t])                             [T,d]
// The other kinds (engine/README.md "Router kinds" has the inference conventions they match):
//   noisy_topk      h = l + ε ⊙ softplus(x · W_noiseᵀ) (ε ~ N(0,1) from the step's noise seed,
//                   h = l without one); ids = top-k of h; g = softmax over the kept h; s = q =
//                   softmax(h). The gradient reaches W_g and W_noise through h (ε is constant).
//   softmax_top1_capacity / topk_capacity   softmax top-1 (raw gate) / top-k renormalised, then
//                   per sequence C tokens per expert, placed slot-major (every first choice before
//                   any second) in token order; kept = placed. Dropped slots output 0 and get no
//                   task gradient; placement carries none. C = floor(cf·S/E) / floor(cf·k·S/E).
//   expert_choice   s = softmax_e(l); per sequence each expert takes the C = round(cf·S/E) tokens
//                   with the largest s[·,e] (ties to the lower token); slot j of token t is expert
//                   j, g[t,j] = s[t,j], kept = taken. The gradient reaches W_g through s.
//   soft_moe        l [T,E·p] = x · Φᵀ (p slots per expert); per sequence D = softmax over its
//                   tokens (per slot), C = softmax over slots (per token); slot inputs x̃ = Dᵀx,
//                   expert s/p runs slot s, o = C · ỹ. Differentiable through D and C.
// Losses (each aux term weighted by its coefficient in LossCoefs, unweighted terms are):
//   task     = (1/(T·d)) Σ_t Σ_i (o[t,i] - y[t,i])²
//   switch   = E · Σ_e f_e · P_e,  f_e = load_e / (T·k) (no gradient), P_e = (1/T) Σ_t q[t,e]
//              (Switch Transformers; top-k counts every slot, so a uniform router gives 1)
//   z        = (1/T) Σ_t (log Σ_e exp l[t,e])²           (ST-MoE z-loss; noisy_topk: of h,
//              soft_moe: over the E·p slot logits)
//   cv2      = Var_e(I_e) / Mean_e(I_e)²,  I_e = Σ_t Σ_j [ids[t,j] = e] · g[t,j]   (Shazeer 2017
//              importance; population variance)
//   load     = Var_e(L_e) / Mean_e(L_e)²   noisy_topk only, Shazeer's smooth load: with noise
//              L_e = Σ_t Φ((l[t,e] - θ[t,e]) / σ[t,e]), θ = the k-th largest h[t,·] without e
//              (the (k+1)-th if e is kept), σ = softplus(x·W_noiseᵀ); the gradient reaches l, θ
//              and σ. Without noise L_e counts e's slots (no gradient). Computed only when its
//              coefficient is non-zero.
//   seq      = (1/B) Σ_b Σ_e f[b,e] · P[b,e],  f[b,e] = E/(k·S) · #{t in b : e in ids[t]}
//              (no gradient), P[b,e] = (1/S) Σ_{t in b} q[t,e]      (DeepSeek-V3 sequence-wise)
// For the capacity kinds f, I and load count the router's choices before capacity. The
// expert_choice and soft_moe kinds have only the z-loss (config.cpp refuses the others).
// Gradient conventions: the gradient reaches the router only through the gates of the chosen
// (and kept) experts (and through q in the switch/seq terms, through l in z); top-k choices,
// capacity placement, routing fractions f and the bias b carry none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "moe/spec/config.hpp"

namespace moe::train {

// The router kinds are the inference kinds (moe/spec/config.hpp), one enum and one set of names
// for both. The trainer runs sigmoid_grouped_topk_bias with one expert group, gates = chosen
// scores ÷ their sum and no scaling.
using moe::RouterKind;

// Shape of the model and the layout of its flat parameter vector:
//   [router W_g (R·d)] [W_noise (E·d), noisy_topk only]
//   then per expert e: [w1 (f·d)] [w3 (f·d), swiglu only] [w2 (d·f)]
// R = E, or E·p for soft_moe (one row per slot).
struct ModelShape {
  int d_model = 0;
  int d_ff = 0;
  int num_experts = 0;
  int top_k = 0;  // not read by expert_choice and soft_moe
  RouterKind router = RouterKind::softmax_topk_renorm;
  ExpertKind expert_kind = ExpertKind::swiglu;
  Activation activation = Activation::silu;  // mlp experts only (swiglu uses silu)
  double capacity_factor = 1.0;              // capacity kinds and expert_choice
  int slots_per_expert = 1;                  // soft_moe: p

  int gate_rows() const {
    return router == RouterKind::soft_moe ? num_experts * slots_per_expert : num_experts;
  }
  // Slots per token of the top-k kinds' ids/gates/kept: k, or E for expert_choice (slot j =
  // expert j); soft_moe has none.
  int slots_per_token() const {
    return router == RouterKind::expert_choice ? num_experts
           : router == RouterKind::soft_moe    ? 0
                                               : top_k;
  }
  size_t noise_offset() const { return static_cast<size_t>(gate_rows()) * d_model; }
  size_t router_size() const {  // W_g and, for noisy_topk, W_noise: the optimiser's router segment
    return noise_offset() +
           (router == RouterKind::noisy_topk ? static_cast<size_t>(num_experts) * d_model : 0);
  }
  size_t matrix_size() const { return static_cast<size_t>(d_ff) * d_model; }
  size_t expert_size() const { return (expert_kind == ExpertKind::swiglu ? 3 : 2) * matrix_size(); }
  size_t w1_offset(int e) const { return router_size() + e * expert_size(); }
  size_t w3_offset(int e) const { return w1_offset(e) + matrix_size(); }  // swiglu only
  size_t w2_offset(int e) const { return w1_offset(e) + expert_size() - matrix_size(); }
  size_t num_params() const { return router_size() + num_experts * expert_size(); }
};

// Coefficients of the auxiliary terms (0 = off).
struct LossCoefs {
  double switch_aux = 0;      // α of the Switch load-balancing loss
  double z_loss = 0;          // router z-loss
  double importance_cv2 = 0;  // Shazeer importance CV²
  double seq_aux = 0;         // DeepSeek-V3 sequence-wise balance loss
  double load_cv2 = 0;        // Shazeer smooth-load CV² (noisy_topk)
};

// Loss values of one forward pass; the aux terms are unweighted (see the file comment).
struct LossParts {
  double task = 0, switch_aux = 0, z_loss = 0, importance_cv2 = 0, seq_aux = 0, load_cv2 = 0;
  double aux(const LossCoefs& c) const {
    return c.switch_aux * switch_aux + c.z_loss * z_loss + c.importance_cv2 * importance_cv2 +
           c.seq_aux * seq_aux + c.load_cv2 * load_cv2;
  }
  double total(const LossCoefs& c) const { return task + aux(c); }
};

// Buffers of one forward/backward pass, grown on demand and reused. After a call, the routing
// fields hold that pass's decisions. n = slots_per_token(), L = gate_rows().
template <class Real>
struct Workspace {
  std::vector<Real> logits, scores, probs;  // [T,L] l (noisy_topk: h), [T,E] s, [T,E] q: every
                                            // kind's router probabilities (soft_moe: C summed
                                            // over each expert's slots)
  std::vector<int32_t> topk_ids;            // [T,n] top-k kinds
  std::vector<Real> gates;                  // [T,n]
  std::vector<uint8_t> kept;                // [T,n] 0 = dropped by capacity / not taken
  std::vector<int32_t> expert_load;         // [E] the router's assignments per expert (before
                                            // capacity; soft_moe: tokens by top_expert)
  std::vector<int32_t> top_expert;          // [T] the expert that weighs most for each token
  std::vector<int32_t> offsets;             // [E+1] rows of expert e: offsets[e] .. offsets[e+1]
  std::vector<int32_t> next_row;            // [E] grouping: next free row of each expert
  std::vector<int32_t> filled;              // [E] capacity kinds: slots used in a sequence;
                                            // [C] expert_choice: the tokens one expert takes
  std::vector<int32_t> pair_of_row;         // [rows] row r holds pair t·n + j
  std::vector<int32_t> row_of_pair;         // [T·n] -1 when the pair is not kept
  std::vector<Real> xg, a, u, act, hid, h;  // [rows, d|f] grouped expert activations
  std::vector<Real> out;                    // [T,d]
  std::vector<Real> dout, dh, dhid, da, du, dxg;
  std::vector<Real> biased;  // [T,E] s + b, the scores selection reads (bias runs)
  std::vector<Real> dgates, dscores, dlogits;
  std::vector<Real> scratch1, scratch2, scratch3;  // transposes, products
  // noisy_topk
  std::vector<Real> clean, noise_logits, noise;  // [T,E] l, x·W_noiseᵀ, ε (0 without noise)
  std::vector<Real> dnoise, dclean;              // [T,E] d loss / d noise logits, / d l directly
  std::vector<int32_t> next_id;                  // [T] the (k+1)-th largest h (-1 when k = E)
  std::vector<double> load;                      // [E] L_e
  double load_mean = 0, load_var = 0;
  // soft_moe
  std::vector<Real> dispatch, combine;    // [T,E·p] D, C
  std::vector<Real> ddispatch, dcombine;  // [T,E·p]
  // auxiliary-loss statistics, kept for the backward
  std::vector<double> frac, mean_q, importance;  // [E] f_e, P_e, I_e
  std::vector<double> lse;                       // [T] log Σ exp of the logits row
  std::vector<double> seq_f;                     // [B,E] f[b,e]
  double imp_mean = 0, imp_var = 0;
};

// Runs the layer on x [T,d] and returns the losses. With y == nullptr only the router runs
// (routing fields of `ws` filled, all losses 0 except switch/z/seq, no gradient). With grad !=
// nullptr (num_params() values, overwritten) the gradient of task + Σ coef · aux is written.
// bias: [E] selection bias or nullptr. seq_len must divide T (<= 0: one sequence of T tokens).
// noise_seed: noisy_topk draws ε from it (training); nullopt = no noise (evaluation).
template <class Real>
LossParts model_forward_backward(const ModelShape& shape, const LossCoefs& coefs,
                                 const Real* params, const Real* bias, const Real* x, const Real* y,
                                 int T, int seq_len, Real* grad, Workspace<Real>& ws,
                                 std::optional<uint64_t> noise_seed = std::nullopt);

extern template LossParts model_forward_backward<float>(const ModelShape&, const LossCoefs&,
                                                        const float*, const float*, const float*,
                                                        const float*, int, int, float*,
                                                        Workspace<float>&, std::optional<uint64_t>);
extern template LossParts model_forward_backward<double>(const ModelShape&, const LossCoefs&,
                                                         const double*, const double*,
                                                         const double*, const double*, int, int,
                                                         double*, Workspace<double>&,
                                                         std::optional<uint64_t>);

// The trainer's shape of a layer config (train/config.hpp reads it with the inference schema).
ModelShape model_shape(const LayerConfig& layer);
// The inference layer that computes what the trainer's shape computes (the other direction):
// softmax_topk without renormalising, sigmoid_grouped_topk_bias with one group, gates ÷ their sum
// and no scaling. A trained block runs in moe::Layer through this one function.
LayerConfig layer_config(const ModelShape& shape);

// The same layer as one stage of a larger network (the language model's MoE blocks): the
// forward leaves its output in ws.out [T,d] and returns the auxiliary loss values (task = 0);
// the backward then takes the upstream gradient dout = ∂L/∂out [T,d] and writes grad (num_params()
// values, overwritten; the aux terms' gradients included, weighted by coefs) and, when dx !=
// nullptr, dx = ∂L/∂x [T,d] (overwritten):
//   dx[t] = Σ_e dl[t,e] · W_g[e]  +  Σ_{kept j} ∂(g[t,j] · FFN_{ids[t,j]}(x[t])) / ∂x[t]
// dl is the router logits' gradient the router backward computes. Input gradients exist for the
// kinds where takes_input_gradient() is true. ws, x and params must be the forward's, unchanged.
template <class Real>
LossParts model_forward(const ModelShape& shape, const LossCoefs& coefs, const Real* params,
                        const Real* bias, const Real* x, int T, int seq_len, Workspace<Real>& ws,
                        std::optional<uint64_t> noise_seed = std::nullopt);
template <class Real>
void model_backward(const ModelShape& shape, const LossCoefs& coefs, const Real* params,
                    const Real* bias, const Real* x, int T, int seq_len, const Real* dout,
                    Real* grad, Real* dx, Workspace<Real>& ws,
                    std::optional<uint64_t> noise_seed = std::nullopt);

// True for the router kinds whose backward gives the input's gradient: softmax_topk,
// softmax_topk_renorm, sigmoid_grouped_topk_bias, softmax_top1_capacity, topk_capacity.
bool takes_input_gradient(RouterKind kind);

#define MOE_MODEL_PASSES_EXTERN(Real)                                                             \
  extern template LossParts model_forward<Real>(const ModelShape&, const LossCoefs&, const Real*, \
                                                const Real*, const Real*, int, int,               \
                                                Workspace<Real>&, std::optional<uint64_t>);       \
  extern template void model_backward<Real>(                                                      \
      const ModelShape&, const LossCoefs&, const Real*, const Real*, const Real*, int, int,       \
      const Real*, Real*, Real*, Workspace<Real>&, std::optional<uint64_t>);
MOE_MODEL_PASSES_EXTERN(float)
MOE_MODEL_PASSES_EXTERN(double)
#undef MOE_MODEL_PASSES_EXTERN

// Tokens each expert takes per sequence of S tokens, by the inference conventions:
// softmax_top1_capacity floor(cf·S/E), topk_capacity floor(cf·k·S/E), expert_choice
// round(cf·S/E) (all clamped to [0, S]); -1 for the kinds without capacity.
int capacity_per_sequence(const ModelShape& shape, int S);

// The noise seed of training step `step` (0-based) for a run seeded `seed`: distinct per step,
// below 2^53 so an inference config's noise_seed can take it.
uint64_t noise_seed_for_step(uint64_t seed, int step);

}  // namespace moe::train

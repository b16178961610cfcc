// The trainable MoE layer: one softmax or sigmoid router over E experts, top-k routing, and its
// hand-written backward pass. Templated on the scalar (float for training, double for the
// finite-difference gradient checks); both instantiations live in model.cpp.
//
// T tokens, d = d_model, f = d_ff, E experts, k = top_k, S tokens per sequence, B = T / S.
//
// Forward, per token t (x [T,d], targets y [T,d]):
//   l[t,e]  = Σ_i x[t,i] · W_g[e,i]                                        router logits [T,E]
//   softmax routers: s[t,e] = softmax_e(l[t,·])       sigmoid_bias: s[t,e] = σ(l[t,e])
//   q[t,e]  = s[t,e] / Σ_e' s[t,e']       normalised affinities (= s for softmax)     [T,E]
//   ids[t]  = top-k of s[t,e] + b[e]      b: selection-only bias (DeepSeek), not a gradient
//             parameter; ties go to the lower expert index
//   g[t,j]  = s[t,ids[t,j]]               (÷ Σ_j' s[t,ids[t,j']] for softmax_topk_renorm and
//                                          sigmoid_bias)                               gates [T,k]
//   o[t]    = Σ_j g[t,j] · FFN_{ids[t,j]}(x[t])                                         [T,d]
// Losses (each aux term weighted by its coefficient in LossCoefs, unweighted terms are):
//   task     = (1/(T·d)) Σ_t Σ_i (o[t,i] - y[t,i])²
//   switch   = E · Σ_e f_e · P_e,  f_e = load_e / (T·k) (no gradient), P_e = (1/T) Σ_t q[t,e]
//              (Switch Transformers; top-k counts every slot, so a uniform router gives 1)
//   z        = (1/T) Σ_t (log Σ_e exp l[t,e])²                                (ST-MoE z-loss)
//   cv2      = Var_e(I_e) / Mean_e(I_e)²,  I_e = Σ_t Σ_j [ids[t,j] = e] · g[t,j]   (Shazeer 2017
//              importance; population variance)
//   seq      = (1/B) Σ_b Σ_e f[b,e] · P[b,e],  f[b,e] = E/(k·S) · #{t in b : e in ids[t]}
//              (no gradient), P[b,e] = (1/S) Σ_{t in b} q[t,e]      (DeepSeek-V3 sequence-wise)
// Gradient conventions: the gradient reaches the router only through the gates of the chosen
// experts (and through q in the switch/seq terms, through l in z); top-k choices, routing
// fractions f and the bias b carry none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "moe/config.hpp"

namespace moe::train {

enum class RouterKind {
  softmax_topk,         // gates = the chosen softmax probabilities (no renormalisation)
  softmax_topk_renorm,  // gates = chosen probabilities ÷ their sum (Mixtral)
  sigmoid_bias,         // sigmoid scores, bias for selection only, gates = normalised scores
};
std::string_view to_string(RouterKind kind);

// Shape of the model and the layout of its flat parameter vector:
//   [router W_g (E·d)] then per expert e: [w1 (f·d)] [w3 (f·d), swiglu only] [w2 (d·f)]
struct ModelShape {
  int d_model = 0;
  int d_ff = 0;
  int num_experts = 0;
  int top_k = 0;
  RouterKind router = RouterKind::softmax_topk_renorm;
  ExpertKind expert_kind = ExpertKind::swiglu;
  Activation activation = Activation::silu;  // mlp experts only (swiglu uses silu)

  size_t router_size() const { return static_cast<size_t>(num_experts) * d_model; }
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
};

// Loss values of one forward pass; the aux terms are unweighted (see the file comment).
struct LossParts {
  double task = 0, switch_aux = 0, z_loss = 0, importance_cv2 = 0, seq_aux = 0;
  double aux(const LossCoefs& c) const {
    return c.switch_aux * switch_aux + c.z_loss * z_loss + c.importance_cv2 * importance_cv2 +
           c.seq_aux * seq_aux;
  }
  double total(const LossCoefs& c) const { return task + aux(c); }
};

// Buffers of one forward/backward pass, grown on demand and reused. After a call, the routing
// fields hold that pass's decisions.
template <class Real>
struct Workspace {
  std::vector<Real> logits, scores, probs;  // [T,E] l, s, q
  std::vector<int32_t> topk_ids;            // [T,k]
  std::vector<Real> gates;                  // [T,k]
  std::vector<int32_t> expert_load;         // [E] assignments per expert
  std::vector<int32_t> offsets;             // [E+1] rows of expert e: offsets[e] .. offsets[e+1]
  std::vector<int32_t> pair_of_row;         // [T·k] row r holds pair t·k + j
  std::vector<int32_t> row_of_pair;         // [T·k]
  std::vector<Real> xg, a, u, act, hid, h;  // [T·k, d|f] grouped expert activations
  std::vector<Real> out;                    // [T,d]
  std::vector<Real> dout, dh, dhid, da, du;
  std::vector<Real> dgates, dscores, dlogits;
  std::vector<Real> scratch1, scratch2;  // transposes
};

// Runs the layer on x [T,d] and returns the losses. With y == nullptr only the router runs
// (routing fields of `ws` filled, all losses 0 except switch/z/seq, no gradient). With grad !=
// nullptr (num_params() values, overwritten) the gradient of task + Σ coef · aux is written.
// bias: [E] selection bias or nullptr. seq_len must divide T (<= 0: one sequence of T tokens).
template <class Real>
LossParts model_forward_backward(const ModelShape& shape, const LossCoefs& coefs,
                                 const Real* params, const Real* bias, const Real* x, const Real* y,
                                 int T, int seq_len, Real* grad, Workspace<Real>& ws);

extern template LossParts model_forward_backward<float>(const ModelShape&, const LossCoefs&,
                                                        const float*, const float*, const float*,
                                                        const float*, int, int, float*,
                                                        Workspace<float>&);
extern template LossParts model_forward_backward<double>(const ModelShape&, const LossCoefs&,
                                                         const double*, const double*,
                                                         const double*, const double*, int, int,
                                                         double*, Workspace<double>&);

}  // namespace moe::train

// Internal: the router families of the trainable layer, one file each (model.hpp has the math).
// model.cpp calls route_* for the forward routing; for the top-k kinds it then groups the kept
// (token, slot) pairs by expert, for soft_moe soft_moe_dispatch builds the slot rows. After the
// experts' backward, backward_* turns the gradient of the gates (top-k kinds) or of the combine
// and dispatch weights (soft_moe) into the gradient of the router's parameters.
//
//   router_topk.cpp          softmax_topk, softmax_topk_renorm, sigmoid_grouped_topk_bias, and
//                            the shared softmax/sigmoid backward the capacity kinds reuse
//   router_capacity.cpp      softmax_top1_capacity, topk_capacity
//   router_noisy.cpp         noisy_topk
//   router_expert_choice.cpp expert_choice
//   router_soft_moe.cpp      soft_moe
//   router_aux.cpp           the auxiliary losses shared by the top-k kinds (values, gradients)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "moe/routing/router.hpp"
#include "moe/train/model.hpp"
#include "train/linalg.hpp"

namespace moe::train::detail {

template <class Real>
struct RouteArgs {
  const ModelShape& shape;
  const LossCoefs& coefs;
  const Real* params;  // [P] model.hpp layout
  const Real* bias;    // [E] selection bias or nullptr
  const Real* x;       // [T,d]
  int T = 0;           // tokens
  int S = 0;           // tokens per sequence (divides T)
  std::optional<uint64_t> noise_seed;
};

// Explicit instantiations, float and double, of a router family's forward `route` and of its
// forward and backward (the statement's closing semicolon is the caller's).
#define MOE_TRAIN_INSTANTIATE_ROUTE(route)                                            \
  template void route<float>(const RouteArgs<float>&, Workspace<float>&, LossParts&); \
  template void route<double>(const RouteArgs<double>&, Workspace<double>&, LossParts&)
#define MOE_TRAIN_INSTANTIATE_ROUTER(route, backward)                                \
  MOE_TRAIN_INSTANTIATE_ROUTE(route);                                                \
  template void backward<float>(const RouteArgs<float>&, Workspace<float>&, float*); \
  template void backward<double>(const RouteArgs<double>&, Workspace<double>&, double*)

// Kinds whose gates are divided by their sum (GShard renormalises before capacity).
inline bool renormalises(RouterKind k) {
  return k == RouterKind::softmax_topk_renorm || k == RouterKind::sigmoid_grouped_topk_bias ||
         k == RouterKind::topk_capacity;
}

// ws.logits [T, rows] = x · W_gᵀ, W_g the first rows·d parameters; returns ws.logits.data().
template <class Real>
Real* router_logits(const RouteArgs<Real>& a, Workspace<Real>& ws, int rows) {
  linalg::grow(ws.logits, static_cast<size_t>(a.T) * rows);
  linalg::mm_nt(a.x, a.params, ws.logits.data(), a.T, a.shape.d_model, rows);
  return ws.logits.data();
}

// The first stage of the top-k and expert-choice routers, per token t:
//   l[t,·] = W_g x_t,   s[t,·] = softmax(l[t,·])   (sigmoid: s[t,e] = σ(l[t,e]))
//   q[t,e] = s[t,e] / Σ_e' s[t,e']                  (= s for the softmax)
// into ws.logits, ws.scores and ws.probs, all [T,E]; returns ws.logits.data().
template <class Real>
Real* router_scores(const RouteArgs<Real>& a, Workspace<Real>& ws, bool sigmoid) {
  const int T = a.T, E = a.shape.num_experts;
  const size_t TE = static_cast<size_t>(T) * E;
  Real* l = router_logits(a, ws, E);  // [T,E]
  linalg::grow(ws.scores, TE);
  linalg::grow(ws.probs, TE);
  Real* s = ws.scores.data();  // [T,E]
  Real* q = ws.probs.data();   // [T,E]
  if (sigmoid) {
    router_compute_sigmoid_scores(l, T, E, s);
    for (int t = 0; t < T; ++t) {
      Real z = 0;
      for (int e = 0; e < E; ++e) z += s[t * E + e];
      for (int e = 0; e < E; ++e) q[t * E + e] = s[t * E + e] / z;
    }
  } else {
    router_compute_probs_reference(l, T, E, s);
    std::copy(s, s + TE, q);
  }
  return l;
}

// Sizes the choice fields every top-k kind and expert_choice fill, for n slots per token:
// topk_ids and gates [T,n], kept [T,n] all set to `kept` (1: kept unless capacity drops it; 0:
// taken only when an expert picks it), expert_load [E] zeroed and top_expert [T].
template <class Real>
void start_choices(Workspace<Real>& ws, int T, int n, int E, uint8_t kept) {
  const size_t Tn = static_cast<size_t>(T) * n;
  ws.topk_ids.resize(Tn);
  linalg::grow(ws.gates, Tn);
  ws.kept.assign(Tn, kept);
  ws.expert_load.assign(E, 0);
  ws.top_expert.resize(T);
}

// dl[0..n) = the gradient through s = softmax(l): s ⊙ (ds − ⟨ds, s⟩).
template <class Real>
void softmax_row_backward(const Real* s, const Real* ds, int n, Real* dl) {
  Real dot = 0;
  for (int i = 0; i < n; ++i) dot += ds[i] * s[i];
  for (int i = 0; i < n; ++i) dl[i] = s[i] * (ds[i] - dot);
}

// ---- forward routing. Top-k kinds fill ws.logits/scores/probs, topk_ids/gates/kept [T,n],
// expert_load, top_expert and the aux loss values; soft_moe fills logits, dispatch, combine,
// expert_load, top_expert and the z-loss.
template <class Real>
void route_topk(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss);
template <class Real>
void route_capacity(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss);
template <class Real>
void route_noisy(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss);
template <class Real>
void route_expert_choice(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss);
template <class Real>
void route_soft_moe(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss);

// ---- soft_moe's slot rows: dispatch builds ws.offsets and ws.xg (slot inputs, grouped by
// expert), combine writes ws.out from ws.h, combine_backward turns ws.dout into ws.dh and
// ws.dcombine.
template <class Real>
void soft_moe_dispatch(const RouteArgs<Real>& a, Workspace<Real>& ws);
template <class Real>
void soft_moe_combine(const RouteArgs<Real>& a, Workspace<Real>& ws);
template <class Real>
void soft_moe_combine_backward(const RouteArgs<Real>& a, Workspace<Real>& ws);

// ---- backward into the router: grad[0 .. router_size()) is written (the rest is untouched).
// Top-k kinds read ws.dgates [T,n] (the task gradient of each kept gate, 0 elsewhere); soft_moe
// reads ws.dcombine and ws.dxg (the gradient of the slot inputs).
template <class Real>
void backward_topk(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad);  // + capacity
template <class Real>
void backward_noisy(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad);
template <class Real>
void backward_expert_choice(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad);
template <class Real>
void backward_soft_moe(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad);

// ---- auxiliary losses of the top-k kinds (router_aux.cpp).
// Values from the logits l [T,L] (z-loss), the affinities q [T,E] (P) and the choices ids /
// gates [T,n] (f, importance); ids == nullptr computes the z-loss only. Keeps the statistics
// the backward needs in ws.
template <class Real>
void aux_forward(const RouteArgs<Real>& a, int L, const Real* l, const Real* q, const int32_t* ids,
                 const Real* g, int n, Workspace<Real>& ws, LossParts& loss);
// Adds the importance term's gradient to dgates [T,n] (all chosen slots, kept or not).
template <class Real>
void aux_importance_backward(const RouteArgs<Real>& a, const int32_t* ids, int n,
                             const Workspace<Real>& ws, Real* dgates);
// dq [E] = gradient of the switch and sequence-wise terms with respect to q[t,·]; false when 0.
template <class Real>
bool aux_dq(const RouteArgs<Real>& a, const Workspace<Real>& ws, int t, Real* dq);
// Adds the z-loss gradient to dlt [L], the logits row of token t.
template <class Real>
void aux_z_backward(const RouteArgs<Real>& a, int L, const Real* lt, const Workspace<Real>& ws,
                    int t, Real* dlt);

}  // namespace moe::train::detail

// Soft MoE router of the trainable layer (Puigcerver et al. 2023), matching the inference layer
// (moe/routing/soft_moe.hpp, layer_stages soft_moe_experts) on each sequence: logits l [T,P] =
// x · Φᵀ with P = E·p slots; D = softmax over the sequence's tokens (per slot), C = softmax over
// the slots (per token); slot inputs x̃ = Dᵀx, expert s/p runs slot s, o = C · ỹ. Nothing is
// discrete: the gradient reaches Φ through C (from the combine) and through D (from the slot
// inputs' gradient, which the experts' backward provides).
//
// Expert rows: expert e, sequence b, its slot i (slot s = e·p + i) is row e·B·p + b·p + i, so an
// expert's rows are contiguous as for the top-k kinds.
#include <cmath>

#include "moe/routing/router.hpp"
#include "train/linalg.hpp"
#include "train/router_stage.hpp"

namespace moe::train::detail {

using namespace linalg;

namespace {

// Row of slot s of sequence b.
inline size_t slot_row(int s, int b, int p, int B) {
  return static_cast<size_t>(s / p) * B * p + static_cast<size_t>(b) * p + s % p;
}

}  // namespace

template <class Real>
void route_soft_moe(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss) {
  const ModelShape& shape = a.shape;
  const int T = a.T, E = shape.num_experts, p = shape.slots_per_expert;
  const int P = shape.gate_rows(), S = a.S;
  const size_t TP = static_cast<size_t>(T) * P;
  Real* l = router_logits(a, ws, P);  // [T,P]
  grow(ws.dispatch, TP);
  grow(ws.combine, TP);
  Real* D = ws.dispatch.data();                 // [T,P]
  Real* Cw = ws.combine.data();                 // [T,P]
  router_compute_probs_reference(l, T, P, Cw);  // C: softmax over the slots of each token
  grow(ws.scratch3, static_cast<size_t>(S));
  Real* column = ws.scratch3.data();  // [S] one slot's logits over a sequence, then its D
  for (int b = 0; b < T / S; ++b) {   // D: softmax over the tokens of each sequence, per slot
    const size_t first = static_cast<size_t>(b) * S * P;
    for (int s = 0; s < P; ++s) {
      for (int t = 0; t < S; ++t) column[t] = l[first + t * P + s];
      router_compute_probs_reference(column, 1, S, column);
      for (int t = 0; t < S; ++t) D[first + t * P + s] = column[t];
    }
  }
  // q[t,e] = C summed over e's slots (the inference router_probs); top expert = its argmax
  grow(ws.probs, static_cast<size_t>(T) * E);
  ws.expert_load.assign(E, 0);
  ws.top_expert.resize(T);
  for (int t = 0; t < T; ++t) {
    int best = 0;
    for (int e = 0; e < E; ++e) {
      Real w = 0;
      for (int i = 0; i < p; ++i) w += Cw[static_cast<size_t>(t) * P + e * p + i];
      ws.probs[static_cast<size_t>(t) * E + e] = w;
      if (w > ws.probs[static_cast<size_t>(t) * E + best]) best = e;
    }
    ws.top_expert[t] = best;
    ++ws.expert_load[best];
  }
  aux_forward<Real>(a, P, l, nullptr, nullptr, nullptr, 0, ws, loss);  // z-loss only
}

template <class Real>
void soft_moe_dispatch(const RouteArgs<Real>& a, Workspace<Real>& ws) {
  const int T = a.T, d = a.shape.d_model, E = a.shape.num_experts, p = a.shape.slots_per_expert;
  const int P = a.shape.gate_rows(), S = a.S, B = T / S;
  const size_t rows = static_cast<size_t>(P) * B;
  ws.offsets.resize(E + 1);
  for (int e = 0; e <= E; ++e) ws.offsets[e] = e * B * p;
  grow(ws.xg, rows * d);
  Real* xs = ws.xg.data();  // [rows,d] slot inputs x̃ = Dᵀx per sequence
  for (size_t i = 0; i < rows * d; ++i) xs[i] = 0;
  for (int t = 0; t < T; ++t) {
    const Real* xt = a.x + static_cast<size_t>(t) * d;
    for (int s = 0; s < P; ++s) {
      const Real w = ws.dispatch[static_cast<size_t>(t) * P + s];
      Real* row = xs + slot_row(s, t / S, p, B) * d;
      for (int i = 0; i < d; ++i) row[i] += w * xt[i];
    }
  }
}

template <class Real>
void soft_moe_combine(const RouteArgs<Real>& a, Workspace<Real>& ws) {
  const int T = a.T, d = a.shape.d_model, p = a.shape.slots_per_expert;
  const int P = a.shape.gate_rows(), S = a.S, B = T / S;
  for (int t = 0; t < T; ++t) {  // o[t] = Σ_s C[t,s] · ỹ[s]
    Real* ot = ws.out.data() + static_cast<size_t>(t) * d;
    for (int i = 0; i < d; ++i) ot[i] = 0;
    for (int s = 0; s < P; ++s) {
      const Real w = ws.combine[static_cast<size_t>(t) * P + s];
      const Real* ys = ws.h.data() + slot_row(s, t / S, p, B) * d;
      for (int i = 0; i < d; ++i) ot[i] += w * ys[i];
    }
  }
}

template <class Real>
void soft_moe_combine_backward(const RouteArgs<Real>& a, Workspace<Real>& ws) {
  const int T = a.T, d = a.shape.d_model, p = a.shape.slots_per_expert;
  const int P = a.shape.gate_rows(), S = a.S, B = T / S;
  const size_t rows = static_cast<size_t>(P) * B;
  grow(ws.dcombine, static_cast<size_t>(T) * P);
  for (size_t i = 0; i < rows * d; ++i) ws.dh[i] = 0;
  for (int t = 0; t < T; ++t) {  // dC[t,s] = dout[t]·ỹ[s],  dỹ[s] += C[t,s] · dout[t]
    const Real* dt = ws.dout.data() + static_cast<size_t>(t) * d;
    for (int s = 0; s < P; ++s) {
      const size_t row = slot_row(s, t / S, p, B) * d, ts = static_cast<size_t>(t) * P + s;
      const Real* ys = ws.h.data() + row;
      Real* dys = ws.dh.data() + row;
      const Real w = ws.combine[ts];
      Real dc = 0;
      for (int i = 0; i < d; ++i) {
        dc += dt[i] * ys[i];
        dys[i] += w * dt[i];
      }
      ws.dcombine[ts] = dc;
    }
  }
}

template <class Real>
void backward_soft_moe(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad) {
  const int T = a.T, d = a.shape.d_model, p = a.shape.slots_per_expert;
  const int P = a.shape.gate_rows(), S = a.S, B = T / S;
  const size_t TP = static_cast<size_t>(T) * P;
  grow(ws.ddispatch, TP);
  grow(ws.dlogits, TP);
  const Real* D = ws.dispatch.data();   // [T,P]
  const Real* Cw = ws.combine.data();   // [T,P]
  const Real* dC = ws.dcombine.data();  // [T,P]
  Real* dD = ws.ddispatch.data();       // [T,P]
  Real* dl = ws.dlogits.data();         // [T,P]
  for (int t = 0; t < T; ++t) {         // dD[t,s] = dx̃[s]·x[t];  C's softmax over slots
    const Real* xt = a.x + static_cast<size_t>(t) * d;
    const size_t row = static_cast<size_t>(t) * P;
    Real dot = 0;
    for (int s = 0; s < P; ++s) {
      const Real* dxs = ws.dxg.data() + slot_row(s, t / S, p, B) * d;
      Real v = 0;
      for (int i = 0; i < d; ++i) v += dxs[i] * xt[i];
      dD[row + s] = v;
      dot += Cw[row + s] * dC[row + s];
    }
    for (int s = 0; s < P; ++s) dl[row + s] = Cw[row + s] * (dC[row + s] - dot);
  }
  for (int b = 0; b < B; ++b) {  // D's softmax over the sequence's tokens, per slot
    const size_t first = static_cast<size_t>(b) * S * P;
    for (int s = 0; s < P; ++s) {
      Real dot = 0;
      for (int t = 0; t < S; ++t) dot += D[first + t * P + s] * dD[first + t * P + s];
      for (int t = 0; t < S; ++t)
        dl[first + t * P + s] += D[first + t * P + s] * (dD[first + t * P + s] - dot);
    }
  }
  for (int t = 0; t < T; ++t) {
    const size_t row = static_cast<size_t>(t) * P;
    aux_z_backward(a, P, ws.logits.data() + row, ws, t, dl + row);
  }
  mm_tn(dl, a.x, grad, T, P, d, ws.scratch1, ws.scratch2);  // dΦ [P,d]
}

#define MOE_SOFT_INSTANTIATE(Real)                                                          \
  template void route_soft_moe<Real>(const RouteArgs<Real>&, Workspace<Real>&, LossParts&); \
  template void soft_moe_dispatch<Real>(const RouteArgs<Real>&, Workspace<Real>&);          \
  template void soft_moe_combine<Real>(const RouteArgs<Real>&, Workspace<Real>&);           \
  template void soft_moe_combine_backward<Real>(const RouteArgs<Real>&, Workspace<Real>&);  \
  template void backward_soft_moe<Real>(const RouteArgs<Real>&, Workspace<Real>&, Real*);
MOE_SOFT_INSTANTIATE(float)
MOE_SOFT_INSTANTIATE(double)
#undef MOE_SOFT_INSTANTIATE

}  // namespace moe::train::detail

// Noisy top-k router of the trainable layer (Shazeer et al. 2017), matching the inference router
// moe/routing/noisy_topk.hpp: h = l + ε ⊙ softplus(x · W_noiseᵀ) with ε drawn row-major from
// moe::routing::SplitMix64(noise seed) (the same normals as an inference config in train mode
// with that noise_seed), top-k of h, gates = softmax over the kept h. ε is a constant: the
// gradient reaches W_g through h and W_noise through softplus. Also Shazeer's smooth load loss
// (model.hpp), whose gradient reaches l, σ and the threshold entry of h.
#include <algorithm>
#include <cmath>

#include "moe/routing/rng.hpp"
#include "moe/routing/router.hpp"
#include "train/linalg.hpp"
#include "train/router_stage.hpp"

namespace moe::train::detail {

using namespace linalg;

namespace {

template <class Real>
Real softplus(Real v) {  // log(1 + e^v) without overflow
  return (v > 0 ? v : Real(0)) + std::log1p(std::exp(-std::fabs(v)));
}

// θ[t,e]: the index of the k-th largest h[t,·] without e.
template <class Real>
int threshold_id(const Workspace<Real>& ws, int t, int e, int k) {
  const int32_t* it = ws.topk_ids.data() + static_cast<size_t>(t) * k;
  bool kept = false;
  for (int j = 0; j < k; ++j) kept |= it[j] == e;
  return kept ? ws.next_id[t] : it[k - 1];
}

constexpr double kInvSqrt2Pi = 0.39894228040143268;

// L_e and the load CV² (model.hpp). With noise: the smooth estimate of Shazeer et al., as the
// inference router computes it; without: slot counts.
template <class Real>
void smooth_load_forward(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss) {
  const int T = a.T, E = a.shape.num_experts, k = a.shape.top_k;
  if (a.coefs.load_cv2 == 0) return;  // T·E normal CDFs: only when the loss is on
  ws.load.assign(E, 0.0);
  if (!a.noise_seed || k == E) {
    for (size_t p = 0; p < ws.topk_ids.size(); ++p) ws.load[ws.topk_ids[p]] += 1.0;
  } else {
    for (int t = 0; t < T; ++t) {
      for (int e = 0; e < E; ++e) {
        const size_t i = static_cast<size_t>(t) * E + e;
        const double sigma = std::max<double>(softplus(ws.noise_logits[i]), 1e-30);
        const double theta = ws.logits[static_cast<size_t>(t) * E + threshold_id(ws, t, e, k)];
        ws.load[e] += 0.5 * std::erfc(-(ws.clean[i] - theta) / sigma / std::sqrt(2.0));  // Φ
      }
    }
  }
  double m = 0, var = 0;
  for (int e = 0; e < E; ++e) m += ws.load[e] / E;
  for (int e = 0; e < E; ++e) var += (ws.load[e] - m) * (ws.load[e] - m) / E;
  ws.load_mean = m;
  ws.load_var = var;
  loss.load_cv2 = m > 0 ? var / (m * m) : 0.0;
}

// The load term's gradient: into dh (through θ, an entry of h), ws.dclean (l directly) and
// ws.dnoise (σ directly, before the softplus).
template <class Real>
void smooth_load_backward(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* dh) {
  const int T = a.T, E = a.shape.num_experts, k = a.shape.top_k;
  const double m = ws.load_mean, var = ws.load_var;
  if (a.coefs.load_cv2 == 0 || !a.noise_seed || k == E || !(m > 0)) return;
  for (int t = 0; t < T; ++t) {
    for (int e = 0; e < E; ++e) {
      const size_t i = static_cast<size_t>(t) * E + e;
      const double dload = a.coefs.load_cv2 * 2.0 / (E * m * m) * ((ws.load[e] - m) - var / m);
      const double sigma = std::max<double>(softplus(ws.noise_logits[i]), 1e-30);
      const int th = threshold_id(ws, t, e, k);
      const double z = (ws.clean[i] - ws.logits[static_cast<size_t>(t) * E + th]) / sigma;
      const double w = dload * kInvSqrt2Pi * std::exp(-0.5 * z * z) / sigma;  // dL/dz / σ
      ws.dclean[i] += static_cast<Real>(w);
      dh[static_cast<size_t>(t) * E + th] -= static_cast<Real>(w);
      ws.dnoise[i] -= static_cast<Real>(w * z);
    }
  }
}

}  // namespace

template <class Real>
void route_noisy(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss) {
  const ModelShape& shape = a.shape;
  const int T = a.T, d = shape.d_model, E = shape.num_experts, k = shape.top_k;
  const size_t TE = static_cast<size_t>(T) * E;
  for (auto* v : {&ws.clean, &ws.noise_logits, &ws.noise, &ws.logits, &ws.scores, &ws.probs})
    grow(*v, TE);
  Real* c = ws.clean.data();          // [T,E] clean logits
  Real* nl = ws.noise_logits.data();  // [T,E]
  Real* eps = ws.noise.data();        // [T,E]
  Real* h = ws.logits.data();         // [T,E] noisy logits
  Real* s = ws.scores.data();         // [T,E] softmax(h), = q
  mm_nt(a.x, a.params, c, T, d, E);
  mm_nt(a.x, a.params + shape.noise_offset(), nl, T, d, E);
  if (a.noise_seed) {  // rounded to float, as the inference router stores its normals
    routing::SplitMix64 rng(*a.noise_seed);
    for (size_t i = 0; i < TE; ++i)
      eps[i] = static_cast<Real>(static_cast<float>(rng.next_normal()));
  } else {
    for (size_t i = 0; i < TE; ++i) eps[i] = 0;
  }
  for (size_t i = 0; i < TE; ++i) h[i] = c[i] + eps[i] * softplus(nl[i]);
  router_compute_probs_reference(h, T, E, s);
  std::copy(s, s + TE, ws.probs.data());

  start_choices(ws, T, k, E, /*kept=*/1);
  int32_t* ids = ws.topk_ids.data();  // [T,k]
  Real* g = ws.gates.data();          // [T,k]
  ws.next_id.resize(T);
  grow(ws.filled, static_cast<size_t>(k) + 1);
  for (int t = 0; t < T; ++t) {
    const Real* ht = h + static_cast<size_t>(t) * E;
    int32_t* it = ids + static_cast<size_t>(t) * k;
    const int keep = k < E ? k + 1 : E;  // the (k+1)-th is the threshold of the kept experts
    router_select_topk(ht, 1, E, keep, ws.filled.data());
    for (int j = 0; j < k; ++j) it[j] = ws.filled[j];
    ws.next_id[t] = k < E ? ws.filled[k] : -1;
    Real* gt = g + static_cast<size_t>(t) * k;  // [k] softmax over the kept h
    router_gather_weights(ht, it, 1, E, k, gt);
    router_compute_probs_reference(gt, 1, k, gt);
    for (int j = 0; j < k; ++j) ++ws.expert_load[it[j]];
    ws.top_expert[t] = it[0];
  }
  aux_forward(a, E, h, ws.probs.data(), ids, g, k, ws, loss);
  smooth_load_forward(a, ws, loss);
}

template <class Real>
void backward_noisy(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad) {
  const ModelShape& shape = a.shape;
  const int T = a.T, d = shape.d_model, E = shape.num_experts, k = shape.top_k;
  const size_t TE = static_cast<size_t>(T) * E;
  const int32_t* ids = ws.topk_ids.data();  // [T,k]
  const Real* g = ws.gates.data();          // [T,k]
  const Real* q = ws.probs.data();          // [T,E]
  aux_importance_backward(a, ids, k, ws, ws.dgates.data());

  grow(ws.dlogits, TE);
  grow(ws.dnoise, TE);
  grow(ws.dclean, TE);
  grow(ws.scratch3, static_cast<size_t>(E));
  Real* dh = ws.dlogits.data();   // [T,E] d loss / d h
  Real* dq = ws.scratch3.data();  // [E]
  for (size_t i = 0; i < TE; ++i) dh[i] = ws.dclean[i] = ws.dnoise[i] = 0;
  smooth_load_backward(a, ws, dh);
  for (int t = 0; t < T; ++t) {
    const Real* gt = g + static_cast<size_t>(t) * k;
    const Real* dgt = ws.dgates.data() + static_cast<size_t>(t) * k;
    Real* dht = dh + static_cast<size_t>(t) * E;
    Real dot = 0;  // g = softmax over the kept h: dh_j = g_j (dg_j - Σ_i g_i dg_i)
    for (int j = 0; j < k; ++j) dot += gt[j] * dgt[j];
    for (int j = 0; j < k; ++j) dht[ids[t * k + j]] += gt[j] * (dgt[j] - dot);
    if (aux_dq(a, ws, t, dq)) {  // q = softmax(h)
      const Real* qt = q + static_cast<size_t>(t) * E;
      Real qdot = 0;
      for (int e = 0; e < E; ++e) qdot += qt[e] * dq[e];
      for (int e = 0; e < E; ++e) dht[e] += qt[e] * (dq[e] - qdot);
    }
    aux_z_backward(a, E, ws.logits.data() + static_cast<size_t>(t) * E, ws, t, dht);
  }
  // d/dσ = dh · ε (+ the load term's), d/dn = d/dσ · softplus'(n) = d/dσ · sigmoid(n)
  grow(ws.scratch3, TE);
  Real* sig = ws.scratch3.data();  // [T,E]
  Real* dn = ws.dnoise.data();     // [T,E]
  sigmoid_vec(ws.noise_logits.data(), sig, TE);
  for (size_t i = 0; i < TE; ++i) dn[i] = (dn[i] + dh[i] * ws.noise[i]) * sig[i];
  for (size_t i = 0; i < TE; ++i) dh[i] += ws.dclean[i];    // ∂h/∂l = 1, plus l's own terms
  mm_tn(dh, a.x, grad, T, E, d, ws.scratch1, ws.scratch2);  // dW_g [E,d]
  mm_tn(dn, a.x, grad + shape.noise_offset(), T, E, d, ws.scratch1, ws.scratch2);  // dW_noise
}

MOE_TRAIN_INSTANTIATE_ROUTER(route_noisy, backward_noisy);

}  // namespace moe::train::detail

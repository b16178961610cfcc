// Forward and backward pass of the trainable MoE layer (see moe/train/model.hpp for the math).
// The dense products and activations live in linalg.hpp.
#include "moe/train/model.hpp"

#include <cassert>
#include <cmath>

#include "train/linalg.hpp"

namespace moe::train {

std::string_view to_string(RouterKind kind) {
  switch (kind) {
    case RouterKind::softmax_topk:
      return "softmax_topk";
    case RouterKind::softmax_topk_renorm:
      return "softmax_topk_renorm";
    case RouterKind::sigmoid_bias:
      return "sigmoid_bias";
  }
  return "?";
}

using namespace linalg;

template <class Real>
LossParts model_forward_backward(const ModelShape& shape, const LossCoefs& coefs,
                                 const Real* params, const Real* bias, const Real* x, const Real* y,
                                 int T, int seq_len, Real* grad, Workspace<Real>& ws) {
  const int d = shape.d_model, f = shape.d_ff, E = shape.num_experts, k = shape.top_k;
  const bool swiglu = shape.expert_kind == ExpertKind::swiglu;
  const Activation act = swiglu ? Activation::silu : shape.activation;
  const bool sigmoid = shape.router == RouterKind::sigmoid_bias;
  const bool renorm = shape.router != RouterKind::softmax_topk;
  const size_t TE = static_cast<size_t>(T) * E, Tk = static_cast<size_t>(T) * k;
  const int S = seq_len > 0 ? seq_len : T;
  assert(T % S == 0 && "seq_len must divide the batch");
  const int B = T / S;
  const Real* w_gate = params;  // [E,d]
  LossParts loss;

  // ---- router: logits, scores, normalised affinities
  grow(ws.logits, TE);
  grow(ws.scores, TE);
  grow(ws.probs, TE);
  Real* l = ws.logits.data();  // [T,E]
  Real* s = ws.scores.data();  // [T,E]
  Real* q = ws.probs.data();   // [T,E]
  mm_nt(x, w_gate, l, T, d, E);
  if (sigmoid) {
    sigmoid_vec(l, s, TE);
    for (int t = 0; t < T; ++t) {
      Real z = 0;
      for (int e = 0; e < E; ++e) z += s[t * E + e];
      for (int e = 0; e < E; ++e) q[t * E + e] = s[t * E + e] / z;
    }
  } else {
    for (int t = 0; t < T; ++t) {
      const Real* lt = l + static_cast<size_t>(t) * E;
      Real m = lt[0];
      for (int e = 1; e < E; ++e) m = lt[e] > m ? lt[e] : m;
      Real z = 0;
      for (int e = 0; e < E; ++e) z += (s[t * E + e] = std::exp(lt[e] - m));
      for (int e = 0; e < E; ++e) q[t * E + e] = (s[t * E + e] /= z);
    }
  }

  // ---- top-k on s + b (ties to the lower index), gates, loads
  ws.topk_ids.resize(Tk);
  grow(ws.gates, Tk);
  ws.expert_load.assign(E, 0);
  int32_t* ids = ws.topk_ids.data();  // [T,k]
  Real* g = ws.gates.data();          // [T,k]
  for (int t = 0; t < T; ++t) {
    const Real* st = s + static_cast<size_t>(t) * E;
    for (int j = 0; j < k; ++j) {
      int best = -1;
      Real best_v = 0;
      for (int e = 0; e < E; ++e) {
        bool taken = false;
        for (int i = 0; i < j; ++i) taken |= ids[t * k + i] == e;
        if (taken) continue;
        const Real v = bias ? st[e] + bias[e] : st[e];
        if (best < 0 || v > best_v) best = e, best_v = v;
      }
      ids[t * k + j] = best;
      g[t * k + j] = st[best];
      ++ws.expert_load[best];
    }
    if (renorm) {
      Real sum = 0;
      for (int j = 0; j < k; ++j) sum += g[t * k + j];
      for (int j = 0; j < k; ++j) g[t * k + j] /= sum;
    }
  }

  // ---- auxiliary losses (values)
  std::vector<double> frac(E);  // f_e, no gradient
  for (int e = 0; e < E; ++e) frac[e] = static_cast<double>(ws.expert_load[e]) / Tk;
  std::vector<double> mean_q(E, 0.0);  // P_e
  for (int t = 0; t < T; ++t) {
    for (int e = 0; e < E; ++e) mean_q[e] += q[t * E + e];
  }
  for (int e = 0; e < E; ++e) {
    mean_q[e] /= T;
    loss.switch_aux += E * frac[e] * mean_q[e];
  }
  std::vector<double> lse(T);  // log Σ_e exp l[t,e]
  for (int t = 0; t < T; ++t) {
    const Real* lt = l + static_cast<size_t>(t) * E;
    double m = lt[0];
    for (int e = 1; e < E; ++e) m = lt[e] > m ? lt[e] : m;
    double z = 0;
    for (int e = 0; e < E; ++e) z += std::exp(lt[e] - m);
    lse[t] = m + std::log(z);
    loss.z_loss += lse[t] * lse[t] / T;
  }
  std::vector<double> seq_f(static_cast<size_t>(B) * E, 0.0);  // f[b,e]
  for (int t = 0; t < T; ++t) {
    for (int j = 0; j < k; ++j)
      seq_f[(t / S) * E + ids[t * k + j]] += static_cast<double>(E) / (k * S);
  }
  for (int t = 0; t < T; ++t) {
    for (int e = 0; e < E; ++e) loss.seq_aux += seq_f[(t / S) * E + e] * q[t * E + e] / (S * B);
  }
  std::vector<double> importance(E, 0.0);
  for (size_t p = 0; p < Tk; ++p) importance[ids[p]] += g[p];
  double imp_mean = 0, imp_var = 0;
  for (int e = 0; e < E; ++e) imp_mean += importance[e] / E;
  for (int e = 0; e < E; ++e)
    imp_var += (importance[e] - imp_mean) * (importance[e] - imp_mean) / E;
  loss.importance_cv2 = imp_mean > 0 ? imp_var / (imp_mean * imp_mean) : 0.0;

  if (y == nullptr) return loss;

  // ---- group (t, j) pairs by expert
  ws.offsets.assign(E + 1, 0);
  for (size_t p = 0; p < Tk; ++p) ++ws.offsets[ids[p] + 1];
  for (int e = 0; e < E; ++e) ws.offsets[e + 1] += ws.offsets[e];
  ws.pair_of_row.resize(Tk);
  ws.row_of_pair.resize(Tk);
  {
    std::vector<int32_t> next(ws.offsets.begin(), ws.offsets.end() - 1);
    for (size_t p = 0; p < Tk; ++p) {
      const int32_t r = next[ids[p]]++;
      ws.pair_of_row[r] = static_cast<int32_t>(p);
      ws.row_of_pair[p] = r;
    }
  }

  // ---- experts forward over their grouped rows
  grow(ws.xg, Tk * d);
  grow(ws.a, Tk * f);
  grow(ws.act, Tk * f);  // σ(a) for silu, unused otherwise
  grow(ws.hid, Tk * f);
  grow(ws.h, Tk * d);
  if (swiglu) grow(ws.u, Tk * f);
  for (size_t r = 0; r < Tk; ++r) {
    const Real* xt = x + static_cast<size_t>(ws.pair_of_row[r] / k) * d;
    for (int i = 0; i < d; ++i) ws.xg[r * d + i] = xt[i];
  }
  for (int e = 0; e < E; ++e) {
    const size_t r0 = ws.offsets[e], n = ws.offsets[e + 1] - r0;
    if (n == 0) continue;
    const Real* w1 = params + shape.w1_offset(e);  // [f,d]
    const Real* w2 = params + shape.w2_offset(e);  // [d,f]
    Real* a = ws.a.data() + r0 * f;                // [n,f]
    mm_nt(ws.xg.data() + r0 * d, w1, a, n, d, f);
    if (swiglu)
      mm_nt(ws.xg.data() + r0 * d, params + shape.w3_offset(e), ws.u.data() + r0 * f, n, d, f);
    Real* sig = ws.act.data() + r0 * f;
    if (act == Activation::silu) sigmoid_vec(a, sig, n * f);
    Real* hid = ws.hid.data() + r0 * f;
    for (size_t i = 0; i < n * f; ++i) {
      hid[i] = act_value(act, a[i], sig[i]);
      if (swiglu) hid[i] *= ws.u[r0 * f + i];
    }
    mm_nt(hid, w2, ws.h.data() + r0 * d, n, f, d);
  }

  // ---- combine and task loss
  grow(ws.out, static_cast<size_t>(T) * d);
  grow(ws.dout, static_cast<size_t>(T) * d);
  double sq = 0;
  for (int t = 0; t < T; ++t) {
    Real* ot = ws.out.data() + static_cast<size_t>(t) * d;
    for (int i = 0; i < d; ++i) ot[i] = 0;
    for (int j = 0; j < k; ++j) {
      const Real gj = g[t * k + j];
      const Real* hr = ws.h.data() + static_cast<size_t>(ws.row_of_pair[t * k + j]) * d;
      for (int i = 0; i < d; ++i) ot[i] += gj * hr[i];
    }
    for (int i = 0; i < d; ++i) {
      const Real diff = ot[i] - y[static_cast<size_t>(t) * d + i];
      sq += static_cast<double>(diff) * diff;
      ws.dout[static_cast<size_t>(t) * d + i] = Real(2) * diff / static_cast<Real>(T * d);
    }
  }
  loss.task = sq / (static_cast<double>(T) * d);

  if (grad == nullptr) return loss;
  for (size_t i = 0; i < shape.num_params(); ++i) grad[i] = 0;

  // ---- backward: gates and expert outputs
  grow(ws.dgates, Tk);
  grow(ws.dh, Tk * d);
  for (size_t p = 0; p < Tk; ++p) {
    const size_t t = p / k, r = ws.row_of_pair[p];
    const Real* dt = ws.dout.data() + t * d;
    const Real* hr = ws.h.data() + r * d;
    Real* dhr = ws.dh.data() + r * d;
    Real dg = 0;
    for (int i = 0; i < d; ++i) {
      dg += dt[i] * hr[i];
      dhr[i] = g[p] * dt[i];
    }
    ws.dgates[p] = dg;
  }
  if (coefs.importance_cv2 != 0 && imp_mean > 0) {
    for (size_t p = 0; p < Tk; ++p) {
      const double dimp =
          2.0 / (E * imp_mean * imp_mean) * ((importance[ids[p]] - imp_mean) - imp_var / imp_mean);
      ws.dgates[p] += static_cast<Real>(coefs.importance_cv2 * dimp);
    }
  }

  // ---- backward: experts
  grow(ws.dhid, Tk * f);
  grow(ws.da, Tk * f);
  if (swiglu) grow(ws.du, Tk * f);
  for (int e = 0; e < E; ++e) {
    const size_t r0 = ws.offsets[e], n = ws.offsets[e + 1] - r0;
    if (n == 0) continue;
    const Real* w2 = params + shape.w2_offset(e);
    const Real* dh = ws.dh.data() + r0 * d;    // [n,d]
    const Real* hid = ws.hid.data() + r0 * f;  // [n,f]
    const Real* a = ws.a.data() + r0 * f;
    const Real* sig = ws.act.data() + r0 * f;
    const Real* xg = ws.xg.data() + r0 * d;
    Real* dhid = ws.dhid.data() + r0 * f;
    Real* da = ws.da.data() + r0 * f;
    mm_tn(dh, hid, grad + shape.w2_offset(e), n, d, f, ws.scratch1, ws.scratch2);  // dW2 [d,f]
    mm_nn(dh, w2, dhid, n, d, f, ws.scratch1);                                     // [n,f]
    if (swiglu) {
      const Real* u = ws.u.data() + r0 * f;
      Real* du = ws.du.data() + r0 * f;
      for (size_t i = 0; i < n * f; ++i) {
        du[i] = dhid[i] * act_value(act, a[i], sig[i]);
        da[i] = dhid[i] * u[i] * act_derivative(act, a[i], sig[i]);
      }
      mm_tn(du, xg, grad + shape.w3_offset(e), n, f, d, ws.scratch1, ws.scratch2);  // dW3 [f,d]
    } else {
      for (size_t i = 0; i < n * f; ++i) da[i] = dhid[i] * act_derivative(act, a[i], sig[i]);
    }
    mm_tn(da, xg, grad + shape.w1_offset(e), n, f, d, ws.scratch1, ws.scratch2);  // dW1 [f,d]
  }

  // ---- backward: gates -> scores s, aux terms -> affinities q -> scores, -> logits
  grow(ws.dscores, TE);
  grow(ws.dlogits, TE);
  Real* ds = ws.dscores.data();
  Real* dl = ws.dlogits.data();
  for (size_t i = 0; i < TE; ++i) ds[i] = 0;
  std::vector<Real> dq(E);  // aux gradient with respect to q[t,·]
  for (int t = 0; t < T; ++t) {
    const Real* gt = g + static_cast<size_t>(t) * k;
    const Real* dgt = ws.dgates.data() + static_cast<size_t>(t) * k;
    Real* dst = ds + static_cast<size_t>(t) * E;
    if (renorm) {  // g_j = s_j / Σ s: ds_i = (dg_i - Σ_j dg_j g_j) / Σ s
      Real sum = 0, dot = 0;
      for (int j = 0; j < k; ++j) {
        sum += s[t * E + ids[t * k + j]];
        dot += dgt[j] * gt[j];
      }
      for (int j = 0; j < k; ++j) dst[ids[t * k + j]] += (dgt[j] - dot) / sum;
    } else {
      for (int j = 0; j < k; ++j) dst[ids[t * k + j]] += dgt[j];
    }
    bool any = false;
    for (int e = 0; e < E; ++e) {
      double v = 0;
      if (coefs.switch_aux != 0) v += coefs.switch_aux * E * frac[e] / T;
      if (coefs.seq_aux != 0) v += coefs.seq_aux * seq_f[(t / S) * E + e] / (S * B);
      dq[e] = static_cast<Real>(v);
      any |= v != 0;
    }
    if (any) {
      if (sigmoid) {  // q = s / Z: ds_e += (dq_e - Σ dq q) / Z
        Real z = 0, dot = 0;
        for (int e = 0; e < E; ++e) {
          z += s[t * E + e];
          dot += dq[e] * q[t * E + e];
        }
        for (int e = 0; e < E; ++e) dst[e] += (dq[e] - dot) / z;
      } else {
        for (int e = 0; e < E; ++e) dst[e] += dq[e];
      }
    }
    Real* dlt = dl + static_cast<size_t>(t) * E;
    const Real* st = s + static_cast<size_t>(t) * E;
    if (sigmoid) {
      for (int e = 0; e < E; ++e) dlt[e] = dst[e] * st[e] * (Real(1) - st[e]);
    } else {
      Real dot = 0;
      for (int e = 0; e < E; ++e) dot += dst[e] * st[e];
      for (int e = 0; e < E; ++e) dlt[e] = st[e] * (dst[e] - dot);
    }
    if (coefs.z_loss != 0) {
      const double c = coefs.z_loss * 2.0 * lse[t] / T;
      for (int e = 0; e < E; ++e) dlt[e] += static_cast<Real>(c * std::exp(l[t * E + e] - lse[t]));
    }
  }
  mm_tn(dl, x, grad, T, E, d, ws.scratch1, ws.scratch2);  // dW_g [E,d]
  return loss;
}

template LossParts model_forward_backward<float>(const ModelShape&, const LossCoefs&, const float*,
                                                 const float*, const float*, const float*, int, int,
                                                 float*, Workspace<float>&);
template LossParts model_forward_backward<double>(const ModelShape&, const LossCoefs&,
                                                  const double*, const double*, const double*,
                                                  const double*, int, int, double*,
                                                  Workspace<double>&);

}  // namespace moe::train

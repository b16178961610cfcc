// The auxiliary losses of the trainable layer (switch, z, importance CV², sequence-wise; formulas
// in moe/train/model.hpp) and their gradients, shared by every router kind that has them.
#include <cmath>

#include "train/linalg.hpp"
#include "train/router_stage.hpp"

namespace moe::train::detail {

template <class Real>
void aux_forward(const RouteArgs<Real>& a, int L, const Real* l, const Real* q, const int32_t* ids,
                 const Real* g, int n, Workspace<Real>& ws, LossParts& loss) {
  const int T = a.T, S = a.S, B = T / S, E = a.shape.num_experts;
  ws.lse.resize(T);  // log Σ_e exp l[t,e]
  for (int t = 0; t < T; ++t) {
    const Real* lt = l + static_cast<size_t>(t) * L;
    double m = lt[0];
    for (int e = 1; e < L; ++e) m = lt[e] > m ? lt[e] : m;
    double z = 0;
    for (int e = 0; e < L; ++e) z += std::exp(lt[e] - m);
    ws.lse[t] = m + std::log(z);
    loss.z_loss += ws.lse[t] * ws.lse[t] / T;
  }
  if (ids == nullptr) return;

  const size_t Tn = static_cast<size_t>(T) * n;
  ws.frac.assign(E, 0.0);  // f_e, no gradient
  for (size_t p = 0; p < Tn; ++p) ws.frac[ids[p]] += 1.0;
  for (int e = 0; e < E; ++e) ws.frac[e] /= static_cast<double>(Tn);
  ws.mean_q.assign(E, 0.0);  // P_e
  for (int t = 0; t < T; ++t) {
    for (int e = 0; e < E; ++e) ws.mean_q[e] += q[t * E + e];
  }
  for (int e = 0; e < E; ++e) {
    ws.mean_q[e] /= T;
    loss.switch_aux += E * ws.frac[e] * ws.mean_q[e];
  }
  ws.seq_f.assign(static_cast<size_t>(B) * E, 0.0);  // f[b,e]
  for (int t = 0; t < T; ++t) {
    for (int j = 0; j < n; ++j)
      ws.seq_f[(t / S) * E + ids[t * n + j]] += static_cast<double>(E) / (n * S);
  }
  for (int t = 0; t < T; ++t) {
    for (int e = 0; e < E; ++e) loss.seq_aux += ws.seq_f[(t / S) * E + e] * q[t * E + e] / (S * B);
  }
  ws.importance.assign(E, 0.0);
  for (size_t p = 0; p < Tn; ++p) ws.importance[ids[p]] += g[p];
  double imp_mean = 0, imp_var = 0;
  for (int e = 0; e < E; ++e) imp_mean += ws.importance[e] / E;
  for (int e = 0; e < E; ++e)
    imp_var += (ws.importance[e] - imp_mean) * (ws.importance[e] - imp_mean) / E;
  ws.imp_mean = imp_mean;
  ws.imp_var = imp_var;
  loss.importance_cv2 = imp_mean > 0 ? imp_var / (imp_mean * imp_mean) : 0.0;
}

template <class Real>
void aux_importance_backward(const RouteArgs<Real>& a, const int32_t* ids, int n,
                             const Workspace<Real>& ws, Real* dgates) {
  const double m = ws.imp_mean, var = ws.imp_var;
  if (a.coefs.importance_cv2 == 0 || !(m > 0)) return;
  const int E = a.shape.num_experts;
  const size_t Tn = static_cast<size_t>(a.T) * n;
  for (size_t p = 0; p < Tn; ++p) {
    const double dimp = 2.0 / (E * m * m) * ((ws.importance[ids[p]] - m) - var / m);
    dgates[p] += static_cast<Real>(a.coefs.importance_cv2 * dimp);
  }
}

template <class Real>
bool aux_dq(const RouteArgs<Real>& a, const Workspace<Real>& ws, int t, Real* dq) {
  const int E = a.shape.num_experts, S = a.S, B = a.T / S;
  bool any = false;
  for (int e = 0; e < E; ++e) {
    double v = 0;
    if (a.coefs.switch_aux != 0) v += a.coefs.switch_aux * E * ws.frac[e] / a.T;
    if (a.coefs.seq_aux != 0) v += a.coefs.seq_aux * ws.seq_f[(t / S) * E + e] / (S * B);
    dq[e] = static_cast<Real>(v);
    any |= v != 0;
  }
  return any;
}

template <class Real>
void aux_z_backward(const RouteArgs<Real>& a, int L, const Real* lt, const Workspace<Real>& ws,
                    int t, Real* dlt) {
  if (a.coefs.z_loss == 0) return;
  const double c = a.coefs.z_loss * 2.0 * ws.lse[t] / a.T;
  for (int e = 0; e < L; ++e) dlt[e] += static_cast<Real>(c * std::exp(lt[e] - ws.lse[t]));
}

#define MOE_AUX_INSTANTIATE(Real)                                                                  \
  template void aux_forward<Real>(const RouteArgs<Real>&, int, const Real*, const Real*,           \
                                  const int32_t*, const Real*, int, Workspace<Real>&, LossParts&); \
  template void aux_importance_backward<Real>(const RouteArgs<Real>&, const int32_t*, int,         \
                                              const Workspace<Real>&, Real*);                      \
  template bool aux_dq<Real>(const RouteArgs<Real>&, const Workspace<Real>&, int, Real*);          \
  template void aux_z_backward<Real>(const RouteArgs<Real>&, int, const Real*,                     \
                                     const Workspace<Real>&, int, Real*);
MOE_AUX_INSTANTIATE(float)
MOE_AUX_INSTANTIATE(double)
#undef MOE_AUX_INSTANTIATE

}  // namespace moe::train::detail

// Top-k router kinds of the trainable layer: softmax_topk, softmax_topk_renorm and
// sigmoid_grouped_topk_bias (model.hpp), and the gates → scores → logits backward that the capacity
// kinds share.
#include <algorithm>
#include <cmath>

#include "moe/routing/router.hpp"

#include "train/linalg.hpp"
#include "train/router_stage.hpp"

namespace moe::train::detail {

using namespace linalg;

template <class Real>
void route_topk(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss) {
  const ModelShape& shape = a.shape;
  const int T = a.T, E = shape.num_experts, k = shape.top_k;
  const bool sigmoid = shape.router == RouterKind::sigmoid_grouped_topk_bias;
  const bool renorm = renormalises(shape.router);
  const size_t TE = static_cast<size_t>(T) * E;

  // ---- logits, scores, normalised affinities
  const Real* l = router_scores(a, ws, sigmoid);  // [T,E]
  const Real* s = ws.scores.data();               // [T,E]
  const Real* q = ws.probs.data();                // [T,E]

  // ---- top-k on s + b (ties to the lower index), gates, loads
  start_choices(ws, T, k, E, /*kept=*/1);
  int32_t* ids = ws.topk_ids.data();  // [T,k]
  Real* g = ws.gates.data();          // [T,k]
  const Real* chooser = s;            // [T,E] what selection reads: s, or s + b
  if (a.bias) {
    grow(ws.biased, TE);
    router_add_selection_bias(s, a.bias, T, E, ws.biased.data());
    chooser = ws.biased.data();
  }
  router_select_topk(chooser, T, E, k, ids);
  router_gather_weights(s, ids, T, E, k, g);
  if (renorm) router_renormalise(g, T, k);
  router_count_load(ids, T, k, E, ws.expert_load.data());
  for (int t = 0; t < T; ++t) ws.top_expert[t] = ids[t * k];
  aux_forward(a, E, l, q, ids, g, k, ws, loss);
}

template <class Real>
void backward_topk(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad) {
  const ModelShape& shape = a.shape;
  const int T = a.T, d = shape.d_model, E = shape.num_experts, k = shape.top_k;
  const bool sigmoid = shape.router == RouterKind::sigmoid_grouped_topk_bias;
  const bool renorm = renormalises(shape.router);
  const size_t TE = static_cast<size_t>(T) * E;
  const int32_t* ids = ws.topk_ids.data();  // [T,k]
  const Real* g = ws.gates.data();          // [T,k]
  const Real* s = ws.scores.data();         // [T,E]
  const Real* q = ws.probs.data();          // [T,E]
  const Real* l = ws.logits.data();         // [T,E]
  aux_importance_backward(a, ids, k, ws, ws.dgates.data());

  // ---- gates -> scores s, aux terms -> affinities q -> scores, -> logits
  grow(ws.dscores, TE);
  grow(ws.dlogits, TE);
  grow(ws.scratch3, static_cast<size_t>(E));
  Real* ds = ws.dscores.data();
  Real* dl = ws.dlogits.data();
  Real* dq = ws.scratch3.data();  // [E] aux gradient with respect to q[t,·]
  for (size_t i = 0; i < TE; ++i) ds[i] = 0;
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
    if (aux_dq(a, ws, t, dq)) {
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
      softmax_row_backward(st, dst, E, dlt);
    }
    aux_z_backward(a, E, l + static_cast<size_t>(t) * E, ws, t, dlt);
  }
  mm_tn(dl, a.x, grad, T, E, d, ws.scratch1, ws.scratch2);  // dW_g [E,d]
}

MOE_TRAIN_INSTANTIATE_ROUTER(route_topk, backward_topk);

}  // namespace moe::train::detail

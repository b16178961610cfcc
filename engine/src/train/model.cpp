// Forward and backward pass of the trainable MoE layer (see moe/train/model.hpp for the math):
// the router kind's routing (router_*.cpp), the experts over their grouped rows, the combine and
// the task loss, then the same stages backwards. Dense products and activations: linalg.hpp.
#include "moe/train/model.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "moe/rng.hpp"
#include "moe/routing/expert_choice.hpp"
#include "moe/routing/switch_capacity.hpp"
#include "train/linalg.hpp"
#include "train/router_stage.hpp"

namespace moe::train {

namespace {

// The fields ModelShape and LayerConfig share, said once for both directions: f(shape member,
// layer member) for each pair.
template <class F>
void for_each_shared_field(F&& f) {
  f(&ModelShape::d_model, &LayerConfig::d_model);
  f(&ModelShape::d_ff, &LayerConfig::d_ff);
  f(&ModelShape::num_experts, &LayerConfig::num_experts);
  f(&ModelShape::top_k, &LayerConfig::top_k);
  f(&ModelShape::router, &LayerConfig::router_kind);
  f(&ModelShape::expert_kind, &LayerConfig::expert_kind);
  f(&ModelShape::activation, &LayerConfig::activation);
  f(&ModelShape::capacity_factor, &LayerConfig::capacity_factor);
  f(&ModelShape::slots_per_expert, &LayerConfig::slots_per_expert);
}

}  // namespace

ModelShape model_shape(const LayerConfig& layer) {
  ModelShape s;
  for_each_shared_field(
      [&](auto shape_field, auto layer_field) { s.*shape_field = layer.*layer_field; });
  return s;
}

LayerConfig layer_config(const ModelShape& s) {
  LayerConfig l;
  for_each_shared_field(
      [&](auto shape_field, auto layer_field) { l.*layer_field = s.*shape_field; });
  l.norm_topk_prob = s.router == RouterKind::sigmoid_grouped_topk_bias;
  return l;
}

using namespace linalg;

uint64_t noise_seed_for_step(uint64_t seed, int step) {
  const uint64_t run = SplitMix64(seed ^ 0x6E6F697365ull).next_u64();  // "noise"
  return SplitMix64(run + static_cast<uint64_t>(step)).next_u64() & ((uint64_t{1} << 53) - 1);
}

int capacity_per_sequence(const ModelShape& shape, int S) {
  const int E = shape.num_experts;
  switch (shape.router) {
    case RouterKind::softmax_top1_capacity:
      return routing::expert_capacity(shape.capacity_factor, S, E).value;
    case RouterKind::topk_capacity:
      return routing::expert_capacity(shape.capacity_factor * shape.top_k, S, E).value;
    case RouterKind::expert_choice:
      return routing::expert_choice_capacity(shape.capacity_factor, S, E).value;
    default:
      return -1;
  }
}

namespace {

// Groups the kept (token, slot) pairs by expert: ws.offsets, pair_of_row, row_of_pair, and the
// expert inputs ws.xg [rows,d]. Returns the number of rows.
template <class Real>
size_t group_kept_pairs(const ModelShape& shape, const Real* x, int T, Workspace<Real>& ws) {
  const int d = shape.d_model, E = shape.num_experts, n = shape.slots_per_token();
  const size_t Tn = static_cast<size_t>(T) * n;
  const int32_t* ids = ws.topk_ids.data();  // [T,n]
  const uint8_t* kept = ws.kept.data();     // [T,n]
  ws.offsets.assign(E + 1, 0);
  for (size_t p = 0; p < Tn; ++p) ws.offsets[ids[p] + 1] += kept[p];
  for (int e = 0; e < E; ++e) ws.offsets[e + 1] += ws.offsets[e];
  const size_t rows = ws.offsets[E];
  ws.pair_of_row.resize(rows);
  ws.row_of_pair.resize(Tn);
  ws.next_row.assign(ws.offsets.begin(), ws.offsets.end() - 1);  // next free row per expert
  for (size_t p = 0; p < Tn; ++p) {
    if (!kept[p]) {
      ws.row_of_pair[p] = -1;
      continue;
    }
    const int32_t r = ws.next_row[ids[p]]++;
    ws.pair_of_row[r] = static_cast<int32_t>(p);
    ws.row_of_pair[p] = r;
  }
  grow(ws.xg, rows * d);
  for (size_t r = 0; r < rows; ++r) {
    const Real* xt = x + static_cast<size_t>(ws.pair_of_row[r] / n) * d;
    for (int i = 0; i < d; ++i) ws.xg[r * d + i] = xt[i];
  }
  return rows;
}

// h = FFN_e(xg) for the rows of each expert e.
template <class Real>
void experts_forward(const ModelShape& shape, const Real* params, size_t rows,
                     Workspace<Real>& ws) {
  const int d = shape.d_model, f = shape.d_ff, E = shape.num_experts;
  const bool swiglu = shape.expert_kind == ExpertKind::swiglu;
  const Activation act = swiglu ? Activation::silu : shape.activation;
  grow(ws.a, rows * f);
  grow(ws.act, rows * f);  // σ(a) for silu, unused otherwise
  grow(ws.hid, rows * f);
  grow(ws.h, rows * d);
  if (swiglu) grow(ws.u, rows * f);
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
    Real* hid = ws.hid.data() + r0 * f;
    act_forward(act, a, swiglu ? ws.u.data() + r0 * f : nullptr, sig, hid, n * f);
    mm_nt(hid, w2, ws.h.data() + r0 * d, n, f, d);
  }
}

// ws.dh [rows,d] → the experts' weight gradients; with `inputs`, also ws.dxg [rows,d], the
// gradient of the rows' inputs (soft_moe's slot inputs).
template <class Real>
void experts_backward(const ModelShape& shape, const Real* params, size_t rows, bool inputs,
                      Workspace<Real>& ws, Real* grad) {
  const int d = shape.d_model, f = shape.d_ff, E = shape.num_experts;
  const bool swiglu = shape.expert_kind == ExpertKind::swiglu;
  const Activation act = swiglu ? Activation::silu : shape.activation;
  grow(ws.dhid, rows * f);
  grow(ws.da, rows * f);
  if (swiglu) grow(ws.du, rows * f);
  if (inputs) grow(ws.dxg, rows * d);
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
      act_backward(act, a, u, sig, dhid, da, du, n * f);
      mm_tn(du, xg, grad + shape.w3_offset(e), n, f, d, ws.scratch1, ws.scratch2);  // dW3 [f,d]
    } else {
      act_backward(act, a, nullptr, sig, dhid, da, nullptr, n * f);
    }
    mm_tn(da, xg, grad + shape.w1_offset(e), n, f, d, ws.scratch1, ws.scratch2);  // dW1 [f,d]
    if (inputs) {  // dxg = da · W1 (+ du · W3)   [n,d]
      Real* dx = ws.dxg.data() + r0 * d;
      mm_nn(da, params + shape.w1_offset(e), dx, n, f, d, ws.scratch1);
      if (swiglu) {
        grow(ws.scratch2, n * d);
        mm_nn(ws.du.data() + r0 * f, params + shape.w3_offset(e), ws.scratch2.data(), n, f, d,
              ws.scratch1);
        for (size_t i = 0; i < n * d; ++i) dx[i] += ws.scratch2[i];
      }
    }
  }
}

// A router family's forward routing and its backward into the router (router_stage.hpp).
template <class Real>
struct RouterFamily {
  void (*route)(const detail::RouteArgs<Real>&, Workspace<Real>&, LossParts&);
  void (*backward)(const detail::RouteArgs<Real>&, Workspace<Real>&, Real*);
};

// Which family runs each kind, said once for the forward and the backward. The capacity kinds
// route top-k then place by capacity; their backward is the top-k one (dropped slots carry no
// gradient).
template <class Real>
RouterFamily<Real> router_family(RouterKind kind) {
  switch (kind) {
    case RouterKind::softmax_topk:
    case RouterKind::softmax_topk_renorm:
    case RouterKind::sigmoid_grouped_topk_bias:
      break;  // the top-k family, below
    case RouterKind::softmax_top1_capacity:
    case RouterKind::topk_capacity:
      return {detail::route_capacity<Real>, detail::backward_topk<Real>};
    case RouterKind::noisy_topk:
      return {detail::route_noisy<Real>, detail::backward_noisy<Real>};
    case RouterKind::expert_choice:
      return {detail::route_expert_choice<Real>, detail::backward_expert_choice<Real>};
    case RouterKind::soft_moe:
      return {detail::route_soft_moe<Real>, detail::backward_soft_moe<Real>};
  }
  return {detail::route_topk<Real>, detail::backward_topk<Real>};
}

// The kind's routing and the auxiliary loss values (model.hpp), filling the routing fields of ws.
template <class Real>
LossParts route(const detail::RouteArgs<Real>& args, Workspace<Real>& ws) {
  LossParts loss;
  router_family<Real>(args.shape.router).route(args, ws, loss);
  return loss;
}

// The experts over their rows (kept (token, slot) pairs, or soft_moe's slots) and the combine
// into ws.out [T,d].
template <class Real>
void experts_and_combine(const detail::RouteArgs<Real>& args, Workspace<Real>& ws) {
  const ModelShape& shape = args.shape;
  const int T = args.T, d = shape.d_model, n = shape.slots_per_token();
  const bool soft = shape.router == RouterKind::soft_moe;
  size_t rows = 0;
  if (soft) {
    detail::soft_moe_dispatch(args, ws);
    rows = ws.offsets[shape.num_experts];
  } else {
    rows = group_kept_pairs(shape, args.x, T, ws);
  }
  experts_forward(shape, args.params, rows, ws);
  grow(ws.out, static_cast<size_t>(T) * d);
  grow(ws.dout, static_cast<size_t>(T) * d);
  if (soft) {
    detail::soft_moe_combine(args, ws);
    return;
  }
  for (int t = 0; t < T; ++t) {
    Real* ot = ws.out.data() + static_cast<size_t>(t) * d;
    for (int i = 0; i < d; ++i) ot[i] = 0;
    for (int j = 0; j < n; ++j) {
      const int32_t r = ws.row_of_pair[t * n + j];
      if (r < 0) continue;  // dropped: contributes 0
      const Real gj = ws.gates[t * n + j];
      const Real* hr = ws.h.data() + static_cast<size_t>(r) * d;
      axpy(gj, hr, ot, d);  // ot += gj · hr
    }
  }
}

// From ws.dout [T,d] (the gradient of the task loss with respect to the output) to grad
// (overwritten) and, when dx != nullptr, dx [T,d] (overwritten; top-k kinds only).
template <class Real>
void backward_from_dout(const detail::RouteArgs<Real>& args, Workspace<Real>& ws, Real* grad,
                        Real* dx) {
  const ModelShape& shape = args.shape;
  const int T = args.T, d = shape.d_model, n = shape.slots_per_token();
  const bool soft = shape.router == RouterKind::soft_moe;
  const size_t rows = ws.offsets[shape.num_experts];
  // Zero only what no product overwrites: the router block, and the experts that got no rows
  // (experts_backward skips them); the other experts' products write all of theirs.
  std::fill_n(grad, shape.router_size(), Real(0));
  for (int e = 0; e < shape.num_experts; ++e) {
    if (ws.offsets[e + 1] == ws.offsets[e]) {
      std::fill_n(grad + shape.w1_offset(e), shape.expert_size(), Real(0));
    }
  }

  // ---- backward: combine → gates (or combine weights) and expert outputs
  grow(ws.dh, rows * d);
  if (soft) {
    detail::soft_moe_combine_backward(args, ws);
  } else {
    const size_t Tn = static_cast<size_t>(T) * n;
    grow(ws.dgates, Tn);
    for (size_t p = 0; p < Tn; ++p) {
      const int32_t r = ws.row_of_pair[p];
      if (r < 0) {  // dropped slots get no task gradient
        ws.dgates[p] = 0;
        continue;
      }
      const Real* dt = ws.dout.data() + (p / n) * d;
      const Real* hr = ws.h.data() + static_cast<size_t>(r) * d;
      Real* dhr = ws.dh.data() + static_cast<size_t>(r) * d;
      for (int i = 0; i < d; ++i) dhr[i] = ws.gates[p] * dt[i];
      ws.dgates[p] = dot(dt, hr, d);
    }
  }

  // ---- backward: experts, then the router
  experts_backward(shape, args.params, rows, soft || dx != nullptr, ws, grad);
  router_family<Real>(shape.router).backward(args, ws, grad);
  if (dx == nullptr) return;

  // ---- the input's gradient: through the router logits (dx = dl · W_g) and each kept row
  assert(takes_input_gradient(shape.router) && "dx needs a top-k or capacity router kind");
  const int E = shape.num_experts;
  mm_nn(ws.dlogits.data(), args.params, dx, static_cast<size_t>(T), static_cast<size_t>(E),
        static_cast<size_t>(d), ws.scratch1);  // [T,E] · [E,d]
  for (size_t r = 0; r < rows; ++r) {
    const size_t t = static_cast<size_t>(ws.pair_of_row[r] / n);
    axpy(Real(1), ws.dxg.data() + r * d, dx + t * d, d);
  }
}

}  // namespace

bool takes_input_gradient(RouterKind kind) {
  switch (kind) {
    case RouterKind::softmax_topk:
    case RouterKind::softmax_topk_renorm:
    case RouterKind::sigmoid_grouped_topk_bias:
    case RouterKind::softmax_top1_capacity:
    case RouterKind::topk_capacity:
      return true;
    default:
      return false;
  }
}

template <class Real>
LossParts model_forward_backward(const ModelShape& shape, const LossCoefs& coefs,
                                 const Real* params, const Real* bias, const Real* x, const Real* y,
                                 int T, int seq_len, Real* grad, Workspace<Real>& ws,
                                 std::optional<uint64_t> noise_seed) {
  const int d = shape.d_model;
  const int S = seq_len > 0 ? seq_len : T;
  assert(T % S == 0 && "seq_len must divide the batch");
  const detail::RouteArgs<Real> args{shape, coefs, params, bias, x, T, S, noise_seed};
  LossParts loss = route(args, ws);
  if (y == nullptr) return loss;
  experts_and_combine(args, ws);

  // ---- task loss (mean squared error) and its gradient ws.dout
  double sq = 0;
  for (size_t i = 0; i < static_cast<size_t>(T) * d; ++i) {
    const Real diff = ws.out[i] - y[i];
    sq += static_cast<double>(diff) * diff;
    ws.dout[i] = Real(2) * diff / static_cast<Real>(T * d);
  }
  loss.task = sq / (static_cast<double>(T) * d);

  if (grad == nullptr) return loss;
  backward_from_dout<Real>(args, ws, grad, nullptr);
  return loss;
}

template <class Real>
LossParts model_forward(const ModelShape& shape, const LossCoefs& coefs, const Real* params,
                        const Real* bias, const Real* x, int T, int seq_len, Workspace<Real>& ws,
                        std::optional<uint64_t> noise_seed) {
  const int S = seq_len > 0 ? seq_len : T;
  assert(T % S == 0 && "seq_len must divide the batch");
  const detail::RouteArgs<Real> args{shape, coefs, params, bias, x, T, S, noise_seed};
  LossParts loss = route(args, ws);
  experts_and_combine(args, ws);
  return loss;
}

template <class Real>
void model_backward(const ModelShape& shape, const LossCoefs& coefs, const Real* params,
                    const Real* bias, const Real* x, int T, int seq_len, const Real* dout,
                    Real* grad, Real* dx, Workspace<Real>& ws, std::optional<uint64_t> noise_seed) {
  const int S = seq_len > 0 ? seq_len : T;
  const detail::RouteArgs<Real> args{shape, coefs, params, bias, x, T, S, noise_seed};
  std::copy_n(dout, static_cast<size_t>(T) * shape.d_model, ws.dout.data());
  backward_from_dout(args, ws, grad, dx);
}

template LossParts model_forward_backward<float>(const ModelShape&, const LossCoefs&, const float*,
                                                 const float*, const float*, const float*, int, int,
                                                 float*, Workspace<float>&,
                                                 std::optional<uint64_t>);
template LossParts model_forward_backward<double>(const ModelShape&, const LossCoefs&,
                                                  const double*, const double*, const double*,
                                                  const double*, int, int, double*,
                                                  Workspace<double>&, std::optional<uint64_t>);

#define MOE_MODEL_PASSES(Real)                                                                 \
  template LossParts model_forward<Real>(const ModelShape&, const LossCoefs&, const Real*,     \
                                         const Real*, const Real*, int, int, Workspace<Real>&, \
                                         std::optional<uint64_t>);                             \
  template void model_backward<Real>(const ModelShape&, const LossCoefs&, const Real*,         \
                                     const Real*, const Real*, int, int, const Real*, Real*,   \
                                     Real*, Workspace<Real>&, std::optional<uint64_t>);
MOE_MODEL_PASSES(float)
MOE_MODEL_PASSES(double)
#undef MOE_MODEL_PASSES

}  // namespace moe::train

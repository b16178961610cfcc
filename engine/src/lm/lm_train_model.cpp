// The trainable language model: forward and backward over every parameter (math in
// moe/lm/lm_train_model.hpp). The MoE block of each layer is train/model.hpp's layer.
#include "moe/lm/lm_train_model.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>

#include "lm/lm_train_stages.hpp"
#include "moe/kernels/thread_pool.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/train/linalg_kernels.hpp"
#include "train/linalg.hpp"

namespace moe::lm {
namespace {

using train::linalg::grow;
using train::linalg::mm_nn;
using train::linalg::mm_nt;
using train::linalg::mm_tn;

size_t to_size(int64_t n) {
  return static_cast<size_t>(n);
}

// Runs part(b, scratch) for every window b < B, the windows shared out over the training threads
// as they come free. Each window's attention reads and writes only its own rows, and its products
// run on one thread, so every thread count gives the same bits. Each thread has its own scratch.
template <class Real, class Part>
void for_each_window(int B, LmAttentionScratch<Real>& own, const Part& part) {
  const int threads = std::min(train::train_threads(), B);
  if (threads <= 1) {
    for (int b = 0; b < B; ++b) part(b, own);
    return;
  }
  std::atomic<int> next{0};
  thread_pool_run(threads, [&](int w) {
    thread_local LmAttentionScratch<Real> worker_scratch;
    LmAttentionScratch<Real>& sc = w == 0 ? own : worker_scratch;
    const train::TrainThreadsScope one(1);
    for (int b = next.fetch_add(1); b < B; b = next.fetch_add(1)) part(b, sc);
  });
}

// The per-layer MoE parameters of LayerWeights <-> the ModelShape layout (gate, then per expert
// w1, w3, w2).
void copy_block_to_flat(const LayerWeights& w, const train::ModelShape& s, float* dst) {
  std::copy(w.router.begin(), w.router.end(), dst);
  for (int e = 0; e < s.num_experts; ++e) {
    const ExpertWeights& x = w.experts[to_size(e)];
    std::copy(x.w1.begin(), x.w1.end(), dst + s.w1_offset(e));
    std::copy(x.w3.begin(), x.w3.end(), dst + s.w3_offset(e));
    std::copy(x.w2.begin(), x.w2.end(), dst + s.w2_offset(e));
  }
}

LayerWeights block_from_flat(const float* src, const train::ModelShape& s) {
  LayerWeights w;
  const size_t m = s.matrix_size();
  w.router.assign(src, src + to_size(s.num_experts) * to_size(s.d_model));
  w.experts.resize(to_size(s.num_experts));
  for (int e = 0; e < s.num_experts; ++e) {
    ExpertWeights& x = w.experts[to_size(e)];
    x.w1.assign(src + s.w1_offset(e), src + s.w1_offset(e) + m);
    x.w3.assign(src + s.w3_offset(e), src + s.w3_offset(e) + m);
    x.w2.assign(src + s.w2_offset(e), src + s.w2_offset(e) + m);
  }
  return w;
}

}  // namespace

LmTrainShape LmTrainShape::of(const LmConfig& config) {
  LmTrainShape s;
  s.config = config;
  s.moe.d_model = config.hidden_size;
  s.moe.d_ff = config.intermediate_size;
  s.moe.num_experts = config.num_local_experts;
  s.moe.top_k = config.num_experts_per_tok;
  s.moe.router = config.router_kind;
  s.moe.expert_kind = ExpertKind::swiglu;
  s.moe.activation = Activation::silu;
  if (config.n_shared_experts > 0) {
    s.shared = s.moe;
    s.shared.d_ff = config.shared_d_ff();
    s.shared.num_experts = 1;
    s.shared.top_k = 1;
    s.shared.router = RouterKind::softmax_topk_renorm;  // softmax over one expert: gate 1
  }
  return s;
}

LmParamLayout::LmParamLayout(const LmTrainShape& shape) {
  const LmConfig& c = shape.config;
  const size_t V = to_size(c.vocab_size), d = to_size(c.hidden_size);
  const size_t qd = to_size(c.q_dim()), kvd = to_size(c.kv_dim());
  size_t at = 0;
  embed = at;
  at += V * d;
  layers.resize(to_size(c.num_hidden_layers));
  for (Layer& l : layers) {
    l.attn_norm = at;
    at += d;
    l.q = at;
    at += qd * d;
    l.k = at;
    at += kvd * d;
    l.v = at;
    at += kvd * d;
    l.o = at;
    at += d * qd;
    l.moe_norm = at;
    at += d;
    l.moe = at;
    at += shape.moe.num_params();
    l.shared = at;
    if (shape.has_shared()) at += shape.shared.num_params();
  }
  norm = at;
  at += d;
  lm_head = at;
  at += V * d;
  total = at;
}

std::vector<std::pair<size_t, size_t>> LmParamLayout::no_decay_ranges() const {
  const size_t d = norm < lm_head ? lm_head - norm : 0;
  std::vector<std::pair<size_t, size_t>> r;
  r.emplace_back(embed, layers.empty() ? norm : layers[0].attn_norm);
  for (const Layer& l : layers) {
    r.emplace_back(l.attn_norm, l.attn_norm + d);
    r.emplace_back(l.moe_norm, l.moe_norm + d);
  }
  r.emplace_back(norm, norm + d);
  return r;
}

std::vector<float> lm_params_from_weights(const LmWeights& w, const LmTrainShape& shape) {
  const LmParamLayout at(shape);
  std::vector<float> p(at.total);
  auto put = [&](const std::vector<float>& v, size_t off) {
    std::copy(v.begin(), v.end(), &p[off]);
  };
  put(w.embed_tokens, at.embed);
  for (size_t l = 0; l < at.layers.size(); ++l) {
    const LmLayerWeights& L = w.layers[l];
    const LmParamLayout::Layer& o = at.layers[l];
    put(L.input_layernorm, o.attn_norm);
    put(L.q_proj, o.q);
    put(L.k_proj, o.k);
    put(L.v_proj, o.v);
    put(L.o_proj, o.o);
    put(L.post_attention_layernorm, o.moe_norm);
    copy_block_to_flat(L.moe, shape.moe, &p[o.moe]);
    if (shape.has_shared()) {  // a zero gate row (never read: gate 1), then w1, w3, w2
      LayerWeights shared;
      shared.router.assign(to_size(shape.config.hidden_size), 0.0f);
      shared.experts = {L.moe.shared_expert};
      copy_block_to_flat(shared, shape.shared, &p[o.shared]);
    }
  }
  put(w.norm, at.norm);
  put(w.lm_head, at.lm_head);
  return p;
}

LmWeights lm_weights_from_params(const float* p, const LmTrainShape& shape) {
  const LmParamLayout at(shape);
  const LmConfig& c = shape.config;
  const size_t V = to_size(c.vocab_size), d = to_size(c.hidden_size);
  const size_t qd = to_size(c.q_dim()), kvd = to_size(c.kv_dim());
  auto take = [&](size_t off, size_t n) { return std::vector<float>(p + off, p + off + n); };
  LmWeights w;
  w.embed_tokens = take(at.embed, V * d);
  w.layers.resize(at.layers.size());
  for (size_t l = 0; l < at.layers.size(); ++l) {
    LmLayerWeights& L = w.layers[l];
    const LmParamLayout::Layer& o = at.layers[l];
    L.input_layernorm = take(o.attn_norm, d);
    L.q_proj = take(o.q, qd * d);
    L.k_proj = take(o.k, kvd * d);
    L.v_proj = take(o.v, kvd * d);
    L.o_proj = take(o.o, d * qd);
    L.post_attention_layernorm = take(o.moe_norm, d);
    L.moe = block_from_flat(p + o.moe, shape.moe);
    if (shape.has_shared())
      L.moe.shared_expert = block_from_flat(p + o.shared, shape.shared).experts[0];
  }
  w.norm = take(at.norm, d);
  w.lm_head = take(at.lm_head, V * d);
  return w;
}

Result<bool> check_lm_train_shape(const LmTrainShape& shape) {
  if (shape.config.tie_word_embeddings) {
    return Error{"config.tie_word_embeddings", "training needs an untied lm_head (false)"};
  }
  if (!train::takes_input_gradient(shape.moe.router)) {
    return Error{"router", std::string(to_string(shape.moe.router)) +
                               " cannot train inside the language model (its backward has no input "
                               "gradient); use softmax_topk, softmax_topk_renorm, sigmoid_bias, "
                               "softmax_top1_capacity or topk_capacity"};
  }
  if (shape.moe.router == RouterKind::softmax_top1_capacity && shape.moe.top_k != 1) {
    return Error{"config.num_experts_per_tok",
                 "softmax_top1_capacity routes each token to 1 expert, got " +
                     std::to_string(shape.moe.top_k)};
  }
  if (shape.moe.expert_kind != ExpertKind::swiglu) {
    return Error{"expert", "the language model's experts are SwiGLU"};
  }
  return true;
}

template <class Real>
LmLoss lm_train_forward_backward(const LmTrainShape& shape, const Real* params, const Real* bias,
                                 const int32_t* windows, int B, int T, Real* grad,
                                 LmTrainWorkspace<Real>& ws) {
  const LmConfig& c = shape.config;
  const LmParamLayout at(shape);
  const int L = c.num_hidden_layers, H = c.num_attention_heads, KV = c.num_key_value_heads;
  const int hd = c.head_dim, E = c.num_local_experts;
  const size_t N = to_size(int64_t{B} * T), d = to_size(c.hidden_size), V = to_size(c.vocab_size);
  const size_t qd = to_size(c.q_dim()), kvd = to_size(c.kv_dim()), uT = to_size(T);
  const double eps = c.rms_norm_eps;

  // ---- inputs and targets: window b is ids w[0..T], inputs w[0..T-1], targets w[1..T]
  ws.inputs.resize(N);
  ws.targets.resize(N);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      ws.inputs[to_size(b) * uT + to_size(t)] = windows[to_size(b) * (uT + 1) + to_size(t)];
      ws.targets[to_size(b) * uT + to_size(t)] = windows[to_size(b) * (uT + 1) + to_size(t) + 1];
    }
  }
  stages::rope_tables(T, hd, c.rope_theta, ws.rope_cos, ws.rope_sin);
  ws.layers.resize(to_size(L));

  // ---- forward
  std::vector<Real>* x = ws.layers.empty() ? &ws.x_final : &ws.layers[0].input;
  x->resize(N * d);  // [N, d] embeddings
  for (size_t n = 0; n < N; ++n) {
    std::copy_n(params + at.embed + to_size(ws.inputs[n]) * d, d, x->data() + n * d);
  }
  LmLoss loss;
  loss.layers.resize(to_size(L));
  for (int l = 0; l < L; ++l) {
    LmTrainLayer<Real>& a = ws.layers[to_size(l)];
    const LmParamLayout::Layer& o = at.layers[to_size(l)];
    a.attn_norm.resize(N * d);
    a.attn_rstd.resize(N);
    stages::rmsnorm_forward(a.input.data(), params + o.attn_norm, a.attn_norm.data(),
                            a.attn_rstd.data(), N, d, eps);
    a.q.resize(N * qd);
    a.k.resize(N * kvd);
    a.v.resize(N * kvd);
    mm_nt(a.attn_norm.data(), params + o.q, a.q.data(), N, d, qd);
    mm_nt(a.attn_norm.data(), params + o.k, a.k.data(), N, d, kvd);
    mm_nt(a.attn_norm.data(), params + o.v, a.v.data(), N, d, kvd);
    stages::rope_rotate(a.q.data(), B, T, H, hd, ws.rope_cos.data(), ws.rope_sin.data(), false);
    stages::rope_rotate(a.k.data(), B, T, KV, hd, ws.rope_cos.data(), ws.rope_sin.data(), false);
    a.probs.resize(to_size(B) * to_size(H) * uT * uT);
    a.attn.resize(N * qd);
    for_each_window(B, ws.attention, [&](int b, LmAttentionScratch<Real>& sc) {
      const size_t r0 = to_size(b) * uT;
      stages::attention_forward(a.q.data() + r0 * qd, a.k.data() + r0 * kvd, a.v.data() + r0 * kvd,
                                a.attn.data() + r0 * qd,
                                a.probs.data() + to_size(b) * to_size(H) * uT * uT, T, H, KV, hd,
                                sc);
    });
    a.resid_mid.resize(N * d);
    mm_nt(a.attn.data(), params + o.o, a.resid_mid.data(), N, qd, d);  // attn · Woᵀ
    for (size_t i = 0; i < N * d; ++i) a.resid_mid[i] += a.input[i];
    a.moe_norm.resize(N * d);
    a.moe_rstd.resize(N);
    stages::rmsnorm_forward(a.resid_mid.data(), params + o.moe_norm, a.moe_norm.data(),
                            a.moe_rstd.data(), N, d, eps);
    const Real* layer_bias = bias ? bias + to_size(l) * to_size(E) : nullptr;
    a.moe_loss = train::model_forward(shape.moe, shape.coefs, params + o.moe, layer_bias,
                                      a.moe_norm.data(), static_cast<int>(N), T, a.moe_ws);
    loss.layers[to_size(l)] = a.moe_loss;
    loss.aux += a.moe_loss.aux(shape.coefs);
    x = l + 1 < L ? &ws.layers[to_size(l + 1)].input : &ws.x_final;
    x->resize(N * d);
    for (size_t i = 0; i < N * d; ++i) (*x)[i] = a.resid_mid[i] + a.moe_ws.out[i];
    if (shape.has_shared()) {  // no aux terms: its one expert always takes every token
      train::model_forward(shape.shared, train::LossCoefs{}, params + o.shared,
                           (const Real*)nullptr, a.moe_norm.data(), static_cast<int>(N), T,
                           a.shared_ws);
      for (size_t i = 0; i < N * d; ++i) (*x)[i] += a.shared_ws.out[i];
    }
  }
  ws.final_norm.resize(N * d);
  ws.final_rstd.resize(N);
  stages::rmsnorm_forward(ws.x_final.data(), params + at.norm, ws.final_norm.data(),
                          ws.final_rstd.data(), N, d, eps);
  ws.logits.resize(N * V);
  mm_nt(ws.final_norm.data(), params + at.lm_head, ws.logits.data(), N, d, V);
  if (grad != nullptr) ws.dlogits.resize(N * V);
  loss.next_token = next_token_loss(ws.logits.data(), static_cast<int>(N), static_cast<int>(V),
                                    ws.targets.data(), grad ? ws.dlogits.data() : nullptr);
  if (grad == nullptr) return loss;

  // ---- backward, in reverse order. Only the gradients that are summed into start at 0 here
  // (embedding rows, RMSNorm weights): the products overwrite theirs, and model_backward zeroes
  // its block's.
  std::fill_n(grad + at.embed, V * d, Real(0));
  for (const LmParamLayout::Layer& o : at.layers) {
    std::fill_n(grad + o.attn_norm, d, Real(0));
    std::fill_n(grad + o.moe_norm, d, Real(0));
  }
  std::fill_n(grad + at.norm, d, Real(0));
  mm_tn(ws.dlogits.data(), ws.final_norm.data(), grad + at.lm_head, N, V, d, ws.s1,
        ws.attention.s2);  // dW_head = dlogitsᵀ · final_norm
  ws.dnorm.resize(N * d);
  mm_nn(ws.dlogits.data(), params + at.lm_head, ws.dnorm.data(), N, V, d, ws.s1);
  ws.dx.assign(N * d, Real(0));  // ∂loss/∂(residual stream), walked down the layers
  stages::rmsnorm_backward(ws.x_final.data(), params + at.norm, ws.final_rstd.data(),
                           ws.dnorm.data(), ws.dx.data(), grad + at.norm, N, d);
  ws.dmoe.resize(N * d);
  ws.dattn.resize(N * qd);
  ws.dq.resize(N * qd);
  ws.dk.resize(N * kvd);
  ws.dv.resize(N * kvd);
  ws.dtmp.resize(N * d);
  for (int l = L - 1; l >= 0; --l) {
    LmTrainLayer<Real>& a = ws.layers[to_size(l)];
    const LmParamLayout::Layer& o = at.layers[to_size(l)];
    const Real* layer_bias = bias ? bias + to_size(l) * to_size(E) : nullptr;
    // x_out = resid_mid + moe(rmsnorm(resid_mid)): dx flows to resid_mid directly and through
    // the block and its norm.
    train::model_backward(shape.moe, shape.coefs, params + o.moe, layer_bias, a.moe_norm.data(),
                          static_cast<int>(N), T, ws.dx.data(), grad + o.moe, ws.dmoe.data(),
                          a.moe_ws);
    if (shape.has_shared()) {
      ws.dshared.resize(N * d);
      train::model_backward(shape.shared, train::LossCoefs{}, params + o.shared,
                            (const Real*)nullptr, a.moe_norm.data(), static_cast<int>(N), T,
                            ws.dx.data(), grad + o.shared, ws.dshared.data(), a.shared_ws);
      for (size_t i = 0; i < N * d; ++i) ws.dmoe[i] += ws.dshared[i];
    }
    stages::rmsnorm_backward(a.resid_mid.data(), params + o.moe_norm, a.moe_rstd.data(),
                             ws.dmoe.data(), ws.dx.data(), grad + o.moe_norm, N, d);
    // resid_mid = input + attn · Woᵀ
    mm_tn(ws.dx.data(), a.attn.data(), grad + o.o, N, d, qd, ws.s1, ws.attention.s2);
    mm_nn(ws.dx.data(), params + o.o, ws.dattn.data(), N, d, qd, ws.s1);
    std::fill(ws.dk.begin(), ws.dk.end(), Real(0));
    std::fill(ws.dv.begin(), ws.dv.end(), Real(0));
    for_each_window(B, ws.attention, [&](int b, LmAttentionScratch<Real>& sc) {
      const size_t r0 = to_size(b) * uT;
      stages::attention_backward(a.q.data() + r0 * qd, a.k.data() + r0 * kvd, a.v.data() + r0 * kvd,
                                 a.probs.data() + to_size(b) * to_size(H) * uT * uT,
                                 ws.dattn.data() + r0 * qd, ws.dq.data() + r0 * qd,
                                 ws.dk.data() + r0 * kvd, ws.dv.data() + r0 * kvd, T, H, KV, hd,
                                 sc);
    });
    stages::rope_rotate(ws.dq.data(), B, T, H, hd, ws.rope_cos.data(), ws.rope_sin.data(), true);
    stages::rope_rotate(ws.dk.data(), B, T, KV, hd, ws.rope_cos.data(), ws.rope_sin.data(), true);
    mm_tn(ws.dq.data(), a.attn_norm.data(), grad + o.q, N, qd, d, ws.s1, ws.attention.s2);
    mm_tn(ws.dk.data(), a.attn_norm.data(), grad + o.k, N, kvd, d, ws.s1, ws.attention.s2);
    mm_tn(ws.dv.data(), a.attn_norm.data(), grad + o.v, N, kvd, d, ws.s1, ws.attention.s2);
    // d attn_norm = dq·Wq + dk·Wk + dv·Wv   [N, d]
    mm_nn(ws.dq.data(), params + o.q, ws.dnorm.data(), N, qd, d, ws.s1);
    mm_nn(ws.dk.data(), params + o.k, ws.dtmp.data(), N, kvd, d, ws.s1);
    for (size_t i = 0; i < N * d; ++i) ws.dnorm[i] += ws.dtmp[i];
    mm_nn(ws.dv.data(), params + o.v, ws.dtmp.data(), N, kvd, d, ws.s1);
    for (size_t i = 0; i < N * d; ++i) ws.dnorm[i] += ws.dtmp[i];
    stages::rmsnorm_backward(a.input.data(), params + o.attn_norm, a.attn_rstd.data(),
                             ws.dnorm.data(), ws.dx.data(), grad + o.attn_norm, N, d);
  }
  for (size_t n = 0; n < N; ++n) {  // embedding rows: scatter-add
    Real* row = grad + at.embed + to_size(ws.inputs[n]) * d;
    for (size_t i = 0; i < d; ++i) row[i] += ws.dx[n * d + i];
  }
  return loss;
}

template LmLoss lm_train_forward_backward<float>(const LmTrainShape&, const float*, const float*,
                                                 const int32_t*, int, int, float*,
                                                 LmTrainWorkspace<float>&);
template LmLoss lm_train_forward_backward<double>(const LmTrainShape&, const double*, const double*,
                                                  const int32_t*, int, int, double*,
                                                  LmTrainWorkspace<double>&);

}  // namespace moe::lm

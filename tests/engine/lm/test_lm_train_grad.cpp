// The language model's backward pass: central differences in double precision for every entry
// of every parameter tensor of a tiny model (GQA, RoPE, two layers, top-2 of 4 experts, aux
// terms on), for each router kind the LM trains and DeepSeek-V3's shared expert; and the training
// forward's loss against next_token_loss on LmModel::forward's logits (the oracle-checked inference
// path).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "lm_test_support.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/lm/lm_train_model.hpp"
#include "moe/rng.hpp"

namespace {

using moe::lm::LmParamLayout;
using moe::lm::LmTrainShape;

// The brief's tiny model: V=19, d=8, L=2, H=2, KV=1, hd=4, E=4, k=2, f=6.
moe::lm::LmConfig tiny_config() {
  moe::lm::LmConfig c =
      moe_test::tiny_lm_config({.vocab = 19, .hidden = 8, .ffn = 6, .context = 16});
  c.rope_theta = 100.0;
  return c;
}

// Random ids [B, T+1] below V.
std::vector<int32_t> random_windows(int B, int T, int V, uint64_t seed) {
  moe::SplitMix64 rng(seed);
  std::vector<int32_t> w(static_cast<size_t>(B) * (T + 1));
  for (int32_t& id : w) id = static_cast<int32_t>(rng.next_u64() % static_cast<uint64_t>(V));
  return w;
}

// Seeded weights, with norm weights moved off 1 so their gradient is generic.
std::vector<double> random_params(const LmTrainShape& shape, uint64_t seed) {
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(shape.config, seed);
  const std::vector<float> f = moe::lm::lm_params_from_weights(w, shape);
  std::vector<double> p(f.begin(), f.end());
  moe::SplitMix64 rng(seed + 1);
  for (const auto& [begin, end] : LmParamLayout(shape).no_decay_ranges()) {
    if (end - begin != static_cast<size_t>(shape.config.hidden_size)) continue;  // norms only
    for (size_t i = begin; i < end; ++i) p[i] = 1.0 + 0.3 * rng.next_normal();
  }
  return p;
}

// The tensor an index of the flat vector belongs to, for failure messages.
std::string tensor_of(const LmParamLayout& at, size_t i) {
  if (i >= at.lm_head) return "lm_head";
  if (i >= at.norm) return "norm";
  for (size_t l = at.layers.size(); l-- > 0;) {
    const LmParamLayout::Layer& o = at.layers[l];
    const std::string p = "layers[" + std::to_string(l) + "].";
    if (o.shared > o.moe && i >= o.shared) return p + "shared_expert";
    if (i >= o.moe) return p + "moe";
    if (i >= o.moe_norm) return p + "post_attention_layernorm";
    if (i >= o.o) return p + "o_proj";
    if (i >= o.v) return p + "v_proj";
    if (i >= o.k) return p + "k_proj";
    if (i >= o.q) return p + "q_proj";
    if (i >= o.attn_norm) return p + "input_layernorm";
  }
  return "embed_tokens";
}

// Max over all entries of |analytic − central difference| / max(1, |analytic|).
void check_lm_gradient(const LmTrainShape& shape, const std::vector<double>& bias) {
  const int B = 2, T = 5;
  const std::vector<int32_t> windows = random_windows(B, T, shape.config.vocab_size, 7);
  std::vector<double> params = random_params(shape, 3);
  const LmParamLayout at(shape);
  REQUIRE(params.size() == at.total);
  moe::lm::LmTrainWorkspace<double> ws;
  std::vector<double> grad(at.total);
  const double* b = bias.empty() ? nullptr : bias.data();
  moe::lm::lm_train_forward_backward<double>(shape, params.data(), b, windows.data(), B, T,
                                             grad.data(), ws);
  const double h = 1e-6;
  double worst = 0;
  size_t worst_at = 0;
  int nonzero = 0;
  for (size_t i = 0; i < at.total; ++i) {
    const double keep = params[i];
    params[i] = keep + h;
    const double up = moe::lm::lm_train_forward_backward<double>(shape, params.data(), b,
                                                                 windows.data(), B, T, nullptr, ws)
                          .total();
    params[i] = keep - h;
    const double down = moe::lm::lm_train_forward_backward<double>(
                            shape, params.data(), b, windows.data(), B, T, nullptr, ws)
                            .total();
    params[i] = keep;
    const double fd = (up - down) / (2 * h);
    const double err = std::abs(grad[i] - fd) / std::max(1.0, std::abs(grad[i]));
    nonzero += grad[i] != 0;
    if (err > worst) {
      worst = err;
      worst_at = i;
    }
  }
  INFO("worst entry " << worst_at << " (" << tensor_of(at, worst_at) << "): analytic "
                      << grad[worst_at] << ", error " << worst);
  CHECK(worst < 1e-6);
  // Every tensor gets a gradient (the FD check would pass on an all-zero pair only if the loss
  // ignored the parameters, which this rules out): most entries are non-zero.
  CHECK(nonzero > static_cast<int>(at.total) * 3 / 4);
}

}  // namespace

TEST_CASE("lm train: backward matches central differences for every parameter (Mixtral block)") {
  LmTrainShape shape = LmTrainShape::of(tiny_config());
  shape.coefs.switch_aux = 0.1;
  shape.coefs.z_loss = 0.01;
  REQUIRE(moe::lm::check_lm_train_shape(shape).ok());
  check_lm_gradient(shape, {});
}

TEST_CASE(
    "lm train: backward matches central differences (sigmoid + selection-only bias, "
    "sequence-wise loss)") {
  LmTrainShape shape = LmTrainShape::of(tiny_config());
  shape.moe.router = moe::RouterKind::sigmoid_grouped_topk_bias;
  shape.coefs.seq_aux = 0.1;
  std::vector<double> bias(2 * 4);
  moe::SplitMix64 rng(11);
  for (double& v : bias) v = 0.2 * rng.next_normal();
  check_lm_gradient(shape, bias);
}

TEST_CASE(
    "lm train: backward matches central differences (DeepSeek-V3 block: sigmoid router, "
    "selection-only bias, shared expert)") {
  moe::lm::LmConfig c = tiny_config();
  c.router_kind = moe::RouterKind::sigmoid_grouped_topk_bias;
  c.n_shared_experts = 2;  // one shared MLP of width 2·f = 12
  LmTrainShape shape = LmTrainShape::of(c);
  REQUIRE(shape.has_shared());
  CHECK(shape.shared.d_ff == 12);
  CHECK(shape.moe.router == moe::RouterKind::sigmoid_grouped_topk_bias);
  shape.coefs.seq_aux = 0.1;
  REQUIRE(moe::lm::check_lm_train_shape(shape).ok());
  std::vector<double> bias(2 * 4);
  moe::SplitMix64 rng(13);
  for (double& v : bias) v = 0.2 * rng.next_normal();
  check_lm_gradient(shape, bias);

  // The shared expert is in the loss: its down projection of layer 1 has a non-zero gradient.
  const LmParamLayout at(shape);
  const std::vector<double> params = random_params(shape, 3);
  const std::vector<int32_t> windows = random_windows(2, 5, c.vocab_size, 7);
  moe::lm::LmTrainWorkspace<double> ws;
  std::vector<double> grad(at.total);
  moe::lm::lm_train_forward_backward<double>(shape, params.data(), bias.data(), windows.data(), 2,
                                             5, grad.data(), ws);
  const size_t w2 = at.layers[1].shared + shape.shared.w2_offset(0);
  double norm = 0;
  for (size_t i = w2; i < w2 + shape.shared.matrix_size(); ++i) norm += grad[i] * grad[i];
  CHECK(norm > 1e-8);
}

TEST_CASE("lm train: backward matches central differences (Switch top-1 with capacity)") {
  moe::lm::LmConfig c = tiny_config();
  c.num_experts_per_tok = 1;
  LmTrainShape shape = LmTrainShape::of(c);
  shape.moe.router = moe::RouterKind::softmax_top1_capacity;
  shape.moe.capacity_factor = 1.0;  // C = floor(5/4) = 1: some tokens are dropped
  shape.coefs.switch_aux = 0.1;
  REQUIRE(moe::lm::check_lm_train_shape(shape).ok());
  check_lm_gradient(shape, {});
}

TEST_CASE("lm train: the training loss equals next_token_loss on LmModel::forward's logits") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  const LmTrainShape shape = LmTrainShape::of(c);
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 5);
  const std::vector<float> params = moe::lm::lm_params_from_weights(w, shape);
  const int B = 3, T = 9;
  const std::vector<int32_t> windows = random_windows(B, T, c.vocab_size, 9);
  moe::lm::LmTrainWorkspace<float> ws;
  const double train_loss = moe::lm::lm_train_forward_backward<float>(
                                shape, params.data(), nullptr, windows.data(), B, T, nullptr, ws)
                                .next_token;

  moe::lm::LmModel model(c, moe::lm::lm_weights_from_params(params.data(), shape));
  std::vector<int32_t> inputs, targets;
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      inputs.push_back(windows[static_cast<size_t>(b) * (T + 1) + t]);
      targets.push_back(windows[static_cast<size_t>(b) * (T + 1) + t + 1]);
    }
  }
  moe::Result<const moe::lm::LmTrace*> run = model.forward(inputs, B, T);
  REQUIRE(run.ok());
  const double infer_loss = moe::lm::next_token_loss<float>(run.value()->logits.data(), B * T,
                                                            c.vocab_size, targets.data(), nullptr);
  CHECK(train_loss > 1.0);  // an untrained model: about log V
  CHECK(std::abs(train_loss - infer_loss) < 1e-5);
  // The routing is the same too: layer 0's first choices.
  for (int n = 0; n < B * T; ++n) {
    CHECK(ws.layers[0].moe_ws.topk_ids[static_cast<size_t>(n) * 2] ==
          run.value()->layers[0].topk_ids[static_cast<size_t>(n) * 2]);
  }
}

TEST_CASE("lm train: weights -> flat parameters -> weights is the identity") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  const LmTrainShape shape = LmTrainShape::of(c);
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 2);
  const std::vector<float> p = moe::lm::lm_params_from_weights(w, shape);
  CHECK(p.size() == static_cast<size_t>(c.param_floats()));
  const moe::lm::LmWeights back = moe::lm::lm_weights_from_params(p.data(), shape);
  CHECK(moe::lm::lm_weights_to_tensors(back, c).size() ==
        moe::lm::lm_weights_to_tensors(w, c).size());
  const auto a = moe::lm::lm_weights_to_tensors(w, c), b = moe::lm::lm_weights_to_tensors(back, c);
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    CHECK(a[i].data == b[i].data);
  }
}

TEST_CASE("lm train: backward matches central differences (dense variant, one MLP per layer)") {
  moe::lm::LmConfig c = tiny_config();
  c.dense = true;
  c.num_local_experts = 1;
  c.num_experts_per_tok = 1;
  c.intermediate_size = 12;  // k·f of the MoE model: the same active FFN parameters
  check_lm_gradient(LmTrainShape::of(c), {});
}

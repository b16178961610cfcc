// The whole forward pass of a seeded layer: stage results agree with each other and with a
// scalar re-computation, only chosen experts matter, seeded init is deterministic.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/kernels/kernels.hpp"
#include "moe/spec/spec.hpp"
#include "test_support.hpp"

namespace {

std::string spec_json(const std::string& router_kind, const std::string& expert_kind,
                      const std::string& activation, int E, int k, int seed,
                      const std::string& extra = "") {
  return R"({"config":{"d_model":8,"d_ff":12,"num_experts":)" + std::to_string(E) + R"(,"top_k":)" +
         std::to_string(k) + R"(,"router_kind":")" + router_kind + R"(","activation":")" +
         activation + R"(","expert_kind":")" + expert_kind + "\"" + extra + R"(},"seed":)" +
         std::to_string(seed) + "}";
}

moe::Layer make(const std::string& json) {
  moe::Result<moe::Layer> r = moe::make_layer(json);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r.value());
}

// The expert FFN recomputed with the scalar reference kernels, one token at a time.
std::vector<float> reference_expert(const moe::Layer& layer, int e, const float* x) {
  const moe::LayerConfig& c = layer.config();
  const moe::ExpertWeights& w = layer.weights().experts[e];
  std::vector<float> h(c.d_ff), u(c.d_ff), y(c.d_model);
  moe::f32_matmul__scalar(x, w.w1.data(), h.data(), 1, c.d_model, c.d_ff);
  if (c.expert_kind == moe::ExpertKind::swiglu) {
    moe::f32_matmul__scalar(x, w.w3.data(), u.data(), 1, c.d_model, c.d_ff);
    moe::f32_swiglu__scalar(h.data(), u.data(), h.data(), c.d_ff);
  } else if (c.activation == moe::Activation::relu) {
    moe::f32_relu__scalar(h.data(), h.data(), c.d_ff);
  } else if (c.activation == moe::Activation::gelu) {
    moe::f32_gelu__scalar(h.data(), h.data(), c.d_ff);
  } else {
    moe::f32_silu__scalar(h.data(), h.data(), c.d_ff);
  }
  moe::f32_matmul__scalar(h.data(), w.w2.data(), y.data(), 1, c.d_ff, c.d_model);
  return y;
}

void check_trace_consistent(moe::Layer& layer, int T) {
  const moe::LayerConfig& c = layer.config();
  const int d = c.d_model, E = c.num_experts, k = c.top_k;
  const std::vector<float> x = moe_test::random_floats(T * d, 99 + T, -2.0f, 2.0f);
  moe::Result<const moe::Trace*> r = layer.forward(x.data(), x.size(), T);
  REQUIRE(r.ok());
  const moe::Trace& tr = *r.value();
  int load_total = 0;
  for (int e = 0; e < E; ++e) load_total += tr.expert_load[e];
  CHECK(load_total == T * k);
  for (int t = 0; t < T; ++t) {
    double psum = 0.0, wsum = 0.0;
    for (int e = 0; e < E; ++e) psum += tr.router_probs[t * E + e];
    CHECK(psum == doctest::Approx(1.0).epsilon(1e-6));
    for (int j = 0; j < k; ++j) {
      const int e = tr.topk_ids[t * k + j];
      wsum += tr.topk_weights[t * k + j];
      if (j + 1 < k)
        CHECK(tr.router_probs[t * E + e] >= tr.router_probs[t * E + tr.topk_ids[t * k + j + 1]]);
      if (!c.renormalises()) CHECK(tr.topk_weights[t * k + j] == tr.router_probs[t * E + e]);
      const std::vector<float> ref = reference_expert(layer, e, x.data() + t * d);
      const std::vector<float> got(tr.expert_outputs.begin() + (t * k + j) * d,
                                   tr.expert_outputs.begin() + (t * k + j + 1) * d);
      moe_test::check_close(got, ref, 1e-5, 1e-5, "expert_outputs");
    }
    if (c.renormalises()) CHECK(wsum == doctest::Approx(1.0).epsilon(1e-6));
    for (int i = 0; i < d; ++i) {
      double sum = 0.0;
      for (int j = 0; j < k; ++j)
        sum += tr.topk_weights[t * k + j] * tr.expert_outputs[(t * k + j) * d + i];
      CHECK(tr.output[t * d + i] == doctest::Approx(sum).epsilon(1e-5).scale(1.0));
    }
  }
}

}  // namespace

TEST_CASE("a seeded layer's trace is self-consistent for every router, expert and activation") {
  const struct {
    const char *router, *expert, *act, *extra;
  } kinds[] = {
      {"softmax_topk_renorm", "swiglu", "silu", ""},
      {"softmax_topk", "swiglu", "silu", R"(,"norm_topk_prob":false)"},
      {"softmax_topk", "swiglu", "silu", R"(,"norm_topk_prob":true)"},
      {"softmax_topk_renorm", "mlp", "relu", ""},
      {"softmax_topk_renorm", "mlp", "gelu", ""},
      {"softmax_topk", "mlp", "silu", ""},
  };
  for (const auto& kind : kinds) {
    for (int T : {1, 3, 17}) {
      CAPTURE(kind.router);
      CAPTURE(kind.expert);
      CAPTURE(kind.act);
      CAPTURE(T);
      moe::Layer layer = make(spec_json(kind.router, kind.expert, kind.act, 5, 2, 7, kind.extra));
      check_trace_consistent(layer, T);
    }
  }
}

TEST_CASE("only the chosen experts contribute to the output") {
  moe::Layer layer = make(spec_json("softmax_topk_renorm", "swiglu", "silu", 4, 2, 21));
  const std::vector<float> x = moe_test::random_floats(8, 5, -1.0f, 1.0f);  // one token
  REQUIRE(layer.forward(x.data(), x.size(), 1).ok());
  const std::vector<float> before = layer.trace().output;
  const std::vector<int32_t> chosen = layer.trace().topk_ids;
  for (int e = 0; e < 4; ++e) {
    if (e == chosen[0] || e == chosen[1]) continue;
    for (float& v : layer.weights().experts[e].w2) v += 3.0f;  // perturb an unchosen expert
  }
  REQUIRE(layer.forward(x.data(), x.size(), 1).ok());
  CHECK(layer.trace().output == before);             // bit for bit
  layer.weights().experts[chosen[0]].w2[0] += 3.0f;  // a chosen one does change it
  REQUIRE(layer.forward(x.data(), x.size(), 1).ok());
  CHECK(layer.trace().output != before);
}

TEST_CASE("seeded initialisation is deterministic, and the seed matters") {
  const moe::Layer a = make(spec_json("softmax_topk_renorm", "swiglu", "silu", 4, 2, 42));
  const moe::Layer b = make(spec_json("softmax_topk_renorm", "swiglu", "silu", 4, 2, 42));
  const moe::Layer c = make(spec_json("softmax_topk_renorm", "swiglu", "silu", 4, 2, 43));
  CHECK(a.weights().router == b.weights().router);
  CHECK(a.weights().experts[3].w2 == b.weights().experts[3].w2);
  CHECK(a.weights().router != c.weights().router);
  // The scale is 1/sqrt(fan_in): the router's values have variance about 1/d = 0.125.
  const moe::Layer big = make(R"({"config":{"d_model":64,"d_ff":8,"num_experts":64,"top_k":1,
    "router_kind":"softmax_topk","activation":"relu","expert_kind":"mlp"},"seed":1})");
  double sq = 0.0;
  for (float v : big.weights().router) sq += v * v;
  CHECK(sq / big.weights().router.size() == doctest::Approx(1.0 / 64).epsilon(0.1));
}

TEST_CASE("given weights override the seeded ones") {
  std::string router = "[";
  for (int e = 0; e < 4; ++e) {
    router += std::string(e ? "," : "") + "[";
    for (int i = 0; i < 8; ++i) router += std::string(i ? "," : "") + (e == 2 ? "1" : "0");
    router += "]";
  }
  router += "]";
  const std::string json = R"({"config":{"d_model":8,"d_ff":12,"num_experts":4,"top_k":1,
    "router_kind":"softmax_topk_renorm","activation":"silu","expert_kind":"swiglu"},
    "seed":5,"weights":{"router":)" +
                           router + "}}";
  moe::Layer layer = make(json);
  const moe::Layer seeded = make(spec_json("softmax_topk_renorm", "swiglu", "silu", 4, 1, 5));
  CHECK(layer.weights().experts[1].w1 == seeded.weights().experts[1].w1);
  const std::vector<float> x(8, 1.0f);  // logits: expert 2 gets 8, the others 0
  REQUIRE(layer.forward(x.data(), x.size(), 1).ok());
  CHECK(layer.trace().topk_ids[0] == 2);
  CHECK(layer.trace().topk_weights[0] == 1.0f);
  CHECK(layer.trace().router_logits[2] == 8.0f);
}

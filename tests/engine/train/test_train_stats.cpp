// Statistics (NMI, load CV, max share), the optimisers, the training config reader, the
// dataset, and the Trainer's chunked, deterministic runs.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/train/stats.hpp"
#include "moe/train/trainer.hpp"

using namespace moe::train;
using moe::Result;

TEST_CASE("NMI: identical and relabelled partitions give 1, independent ones about 0") {
  const std::vector<int32_t> a = {0, 0, 1, 1, 2, 2, 0, 1, 2};
  CHECK(normalized_mutual_information(a, a) == doctest::Approx(1.0));
  const std::vector<int32_t> relabelled = {7, 7, 3, 3, 5, 5, 7, 3, 5};
  CHECK(normalized_mutual_information(a, relabelled) == doctest::Approx(1.0));
  // b is a product labeling: every (a, b) pair appears equally often -> exactly independent.
  std::vector<int32_t> x, y;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) x.push_back(i), y.push_back(j);
  }
  CHECK(normalized_mutual_information(x, y) == doctest::Approx(0.0).epsilon(1e-12));
  // Random independent labels on many items: close to 0.
  std::vector<int32_t> r1, r2;
  moe::SplitMix64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    r1.push_back(static_cast<int32_t>(rng.next_u64() % 4));
    r2.push_back(static_cast<int32_t>(rng.next_u64() % 6));
  }
  CHECK(normalized_mutual_information(r1, r2) < 0.01);
  // A coarsening keeps all of one side's information: I = H(coarse).
  const std::vector<int32_t> fine = {0, 1, 2, 3}, coarse = {0, 0, 1, 1};
  CHECK(normalized_mutual_information(fine, coarse) ==
        doctest::Approx(std::log(2.0) / ((std::log(4.0) + std::log(2.0)) / 2)));
  CHECK(normalized_mutual_information(std::vector<int32_t>{1, 1}, std::vector<int32_t>{4, 4}) ==
        1.0);
  CHECK(normalized_mutual_information(std::vector<int32_t>{1, 1}, std::vector<int32_t>{0, 1}) ==
        0.0);
}

TEST_CASE("load fractions, CV and max share") {
  const std::vector<int32_t> even = {5, 5, 5, 5}, one = {0, 12, 0, 0};
  const std::vector<float> fe = load_fractions(even), fo = load_fractions(one);
  CHECK(fe == std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});
  CHECK(load_cv(fe) == doctest::Approx(0.0));
  CHECK(max_share(fe) == doctest::Approx(0.25));
  CHECK(load_cv(fo) == doctest::Approx(std::sqrt(3.0)));  // one of E busy: sqrt(E - 1)
  CHECK(max_share(fo) == doctest::Approx(1.0));
  CHECK(load_fractions(std::vector<int32_t>{0, 0}) == std::vector<float>{0.0f, 0.0f});
}

TEST_CASE("optimisers: SGD with momentum and Adam take their documented first steps") {
  OptimizerConfig c;
  c.kind = OptimizerKind::sgd;
  c.lr = 0.1f;
  c.momentum = 0.5f;
  Optimizer sgd(c, 2);
  std::vector<float> w = {1.0f, 2.0f}, g = {1.0f, -2.0f};
  sgd.step(w.data(), g.data());  // v = g
  CHECK(w[0] == doctest::Approx(0.9));
  CHECK(w[1] == doctest::Approx(2.2));
  g = {1.0f, -2.0f};
  sgd.step(w.data(), g.data());  // v = 0.5·g + g
  CHECK(w[0] == doctest::Approx(0.75));
  c.clip = 1.0f;
  Optimizer clipped(c, 2);
  w = {1.0f, 2.0f};
  g = {3.0f, -4.0f};  // norm 5: the step takes (0.6, -0.8); the caller's gradient is left as given
  CHECK(clipped.step(w.data(), g.data()) == doctest::Approx(5.0));
  CHECK(w[0] == doctest::Approx(0.94));
  CHECK(w[1] == doctest::Approx(2.08));
  CHECK(g[0] == 3.0f);
  c.kind = OptimizerKind::adam;
  c.lr = 0.01f;
  c.clip = 1.0f;
  Optimizer adam(c, 2);
  w = {1.0f, 2.0f};
  g = {3.0f, -4.0f};  // norm 5: clipped to (0.6, -0.8); Adam's first step is lr · sign
  CHECK(adam.step(w.data(), g.data()) == doctest::Approx(5.0));
  CHECK(w[0] == doctest::Approx(0.99));
  CHECK(w[1] == doctest::Approx(2.01));
}

TEST_CASE("training config: defaults, and errors that name the field") {
  Result<TrainConfig> ok = parse_train_config(R"({"task": "clusters", "num_clusters": 4})");
  REQUIRE(ok.ok());
  CHECK(ok.value().layer.num_experts == 8);
  CHECK(ok.value().layer.top_k == 2);
  CHECK(ok.value().optimizer.kind == OptimizerKind::adam);
  const struct {
    const char* json;
    const char* message;
  } bad[] = {
      {R"({})", "config.task: missing"},
      {R"([1])", "config: must be an object"},
      {R"({"task": "poems"})", "config.task: must be one of tokens, clusters, got \"poems\""},
      {R"({"task": "tokens", "lr ": 0.1})", "config.lr : unknown field"},
      {R"({"task": "tokens", "num_experts": 0})", "config.num_experts: must be >= 1"},
      {R"({"task": "tokens", "num_experts": 4, "top_k": 5})",
       "config.top_k: must be between 1 and num_experts (4), got 5"},
      {R"({"task": "tokens", "lr": 0})", "config.lr: must be > 0"},
      {R"({"task": "tokens", "batch": 100, "seq_len": 32})", "config.seq_len: must divide batch"},
      {R"({"task": "tokens", "balancing": {"kind": "switch_aux"}})",
       "config.balancing.alpha: missing"},
      {R"({"task": "tokens", "balancing": {"kind": "aux_free_bias"}})",
       "config.balancing.gamma: missing"},
      {R"({"task": "tokens", "balancing": {"kind": "magic"}})",
       "config.balancing.kind: must be one of"},
      {R"({"task": "tokens", "activation": "relu"})",
       "config.activation: swiglu experts use silu, got \"relu\""},
      {R"({"task": "tokens")", "json: parse error"},
  };
  for (const auto& b : bad) {
    Result<TrainConfig> r = parse_train_config(b.json);
    INFO(b.json);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().rfind(b.message, 0) == 0);
  }
}

TEST_CASE("dataset: the corpus has four topics, labelled tokens and unit-scale targets") {
  CHECK(corpus_paragraphs().size() == 16);
  TrainConfig c;
  Result<Dataset> r = make_dataset(c);
  REQUIRE(r.ok());
  const Dataset& ds = r.value();
  CHECK(ds.topic_names == std::vector<std::string>{"cooking", "astronomy", "football", "finance"});
  CHECK(ds.size > 800);
  std::vector<int> per_class(kSurfaceClasses, 0);
  for (int32_t s : ds.surface) ++per_class[s];
  for (int n : per_class) CHECK(n >= 20);  // every surface class is present
  for (int t = 0; t < ds.size; ++t) {
    if (ds.tokens[t] == "1610") CHECK(ds.surface[t] == static_cast<int>(SurfaceClass::number));
    if (ds.tokens[t] == "Jupiter")
      CHECK(ds.surface[t] == static_cast<int>(SurfaceClass::capitalised));
    if (ds.tokens[t] == ";") CHECK(ds.surface[t] == static_cast<int>(SurfaceClass::punctuation));
  }
  double sq = 0;
  for (float v : ds.y) sq += v * v;
  CHECK(sq / ds.y.size() == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("trainer: chunks continue one run, the same seed gives the same numbers") {
  Result<TrainConfig> c = parse_train_config(
      R"({"task": "clusters", "d_model": 8, "d_ff": 16, "num_experts": 4, "top_k": 2,
          "batch": 64, "seq_len": 16, "seed": 3, "balancing": {"kind": "seq_aux", "alpha": 0.01}})");
  REQUIRE(c.ok());
  Result<Trainer> a = Trainer::create(c.value());
  Result<Trainer> b = Trainer::create(c.value());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const ChunkResult whole = a.value().run(30);
  const ChunkResult first = b.value().run(10), rest = b.value().run(20);
  CHECK(rest.first_step == 10);
  CHECK(b.value().step() == 30);
  std::vector<float> joined = first.loss;
  joined.insert(joined.end(), rest.loss.begin(), rest.loss.end());
  CHECK(joined == whole.loss);
  CHECK(a.value().params() == b.value().params());
  REQUIRE(whole.expert_load.size() == 30 * 4);
  for (int s = 0; s < 30; ++s) {
    float sum = 0;
    for (int e = 0; e < 4; ++e) sum += whole.expert_load[s * 4 + e];
    CHECK(sum == doctest::Approx(1.0));
    CHECK(whole.aux_loss[s] > 0);
  }
  CHECK(whole.loss.back() < whole.loss.front());  // it learns
  const TrainStats st = a.value().stats();
  CHECK(st.has_cluster);
  CHECK_FALSE(st.has_surface);
  CHECK_FALSE(a.value().assign("Hello").ok());
}

TEST_CASE("trainer: assign gives one top-1 expert per token of the learner's text") {
  Result<TrainConfig> c = parse_train_config(R"({"task": "tokens", "d_model": 8, "d_ff": 8,
      "num_experts": 4, "top_k": 1, "batch": 32, "router_kind": "sigmoid_grouped_topk_bias",
      "balancing": {"kind": "aux_free_bias", "gamma": 0.01}})");
  REQUIRE(c.ok());
  Result<Trainer> t = Trainer::create(c.value());
  REQUIRE(t.ok());
  t.value().run(20);
  Result<std::vector<int32_t>> r = t.value().assign("The Moon orbits Earth every 27.3 days.");
  REQUIRE(r.ok());
  CHECK(r.value().size() == 8);  // The Moon orbits Earth every 27.3 days .
  for (int32_t e : r.value()) CHECK((e >= 0 && e < 4));
  CHECK(t.value().assign("").value().empty());
  const TrainStats st = t.value().stats();
  CHECK(st.has_surface);
  CHECK(st.has_topic);
  CHECK(st.nmi_surface >= 0.0);
  CHECK(st.nmi_surface <= 1.0);
}

// Finite-difference gradient checks of the trainable layer's newer router kinds (noisy_topk, the
// two capacity kinds, expert_choice, soft_moe), in double precision: every parameter of every
// kind (router W_g, W_noise, expert w1, w3, w2) under every loss term that applies to the kind;
// and the float (SIMD) pass against the double one.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "model_grad_support.hpp"
#include "moe/train/model.hpp"

namespace {

using moe::train::LossCoefs;
using moe::train::ModelShape;
using moe::train::RouterKind;

using Problem = moe_test::GradProblem;

ModelShape shape_for(RouterKind router, moe::ExpertKind kind) {
  ModelShape s{5, 6, 4, 2, router, kind, moe::Activation::gelu};
  if (router == RouterKind::softmax_top1_capacity) s.top_k = 1;
  s.capacity_factor = router == RouterKind::expert_choice ? 2.0 : 1.0;  // C = 2, 1 (Switch), 2
  s.slots_per_expert = 2;                                               // soft_moe
  return s;
}

// These router kinds take no selection bias; noisy_topk draws its noise from a seed of its own.
Problem make_problem(RouterKind router, moe::ExpertKind kind, uint64_t seed) {
  Problem p = moe_test::make_grad_problem(shape_for(router, kind), seed, moe_test::GradBias::none);
  if (router == RouterKind::noisy_topk) p.noise = 1000 + seed;
  return p;
}

struct Routing {
  std::vector<int32_t> ids;
  std::vector<uint8_t> kept;
  bool operator==(const Routing&) const = default;
};
Routing routing_of(const moe::train::Workspace<double>& ws) {
  return {ws.topk_ids, ws.kept};
}

// Parameter blocks of the layout, named for messages: [begin, end).
struct Block {
  std::string name;
  size_t begin, end;
};
std::vector<Block> blocks_of(const ModelShape& s) {
  std::vector<Block> b{{"router W_g", 0, s.noise_offset()}};
  if (s.router == RouterKind::noisy_topk)
    b.push_back({"W_noise", s.noise_offset(), s.router_size()});
  const bool swiglu = s.expert_kind == moe::ExpertKind::swiglu;
  for (int e = 0; e < s.num_experts; ++e) {
    const std::string ex = " of expert " + std::to_string(e);
    b.push_back({"w1" + ex, s.w1_offset(e), s.w1_offset(e) + s.matrix_size()});
    if (swiglu) b.push_back({"w3" + ex, s.w3_offset(e), s.w3_offset(e) + s.matrix_size()});
    b.push_back({"w2" + ex, s.w2_offset(e), s.w2_offset(e) + s.matrix_size()});
  }
  return b;
}

// Central differences on every parameter. Returns false when a perturbation changed a discrete
// routing decision (the caller then tries another seed).
bool check_gradient_seed(RouterKind router, moe::ExpertKind kind, const LossCoefs& coefs,
                         const char* what, uint64_t seed) {
  Problem p = make_problem(router, kind, seed);
  moe::train::Workspace<double> ws;
  std::vector<double> grad(p.shape.num_params());
  moe_test::grad_problem_loss(p, coefs, ws, grad.data());
  const Routing routing = routing_of(ws);
  if (router == RouterKind::softmax_top1_capacity || router == RouterKind::topk_capacity ||
      router == RouterKind::expert_choice) {
    // the test must cover both kept and dropped (or untaken) slots
    const auto kept = std::count(routing.kept.begin(), routing.kept.end(), 1);
    REQUIRE(kept > 0);
    REQUIRE(kept < static_cast<long>(routing.kept.size()));
  }
  const double h = 1e-6;
  std::vector<double> fd(grad.size());
  for (size_t i = 0; i < grad.size(); ++i) {
    const double keep = p.params[i];
    p.params[i] = keep + h;
    const double up = moe_test::grad_problem_loss(p, coefs, ws);
    if (!(routing_of(ws) == routing)) return false;
    p.params[i] = keep - h;
    const double down = moe_test::grad_problem_loss(p, coefs, ws);
    if (!(routing_of(ws) == routing)) return false;
    p.params[i] = keep;
    fd[i] = (up - down) / (2 * h);
  }
  for (const Block& b : blocks_of(p.shape)) {
    double worst_err = 0, largest = 0;
    size_t worst = b.begin;
    for (size_t i = b.begin; i < b.end; ++i) {
      // |fd - analytic| <= 1e-8 + 1e-6 · max(|fd|, |analytic|) (central-difference noise ~1e-9)
      const double err = std::fabs(fd[i] - grad[i]) /
                         (1e-8 + 1e-6 * std::max(std::fabs(fd[i]), std::fabs(grad[i])));
      if (err > worst_err) worst_err = err, worst = i;
      largest = std::max(largest, std::fabs(grad[i]));
    }
    INFO(std::string(what) << ", router " << moe::to_string(router) << ", expert "
                           << moe::to_string(kind) << ", " << b.name << ": parameter " << worst
                           << " fd " << fd[worst] << " analytic " << grad[worst]);
    CHECK(worst_err < 1.0);
    // every router block gets a gradient (a block that silently gets none would pass the check)
    if (b.begin < p.shape.router_size()) CHECK(largest > 1e-6);
  }
  return true;
}

void check_gradient(RouterKind router, moe::ExpertKind kind, const LossCoefs& coefs,
                    const char* what) {
  for (uint64_t seed = 1;; ++seed) {
    if (check_gradient_seed(router, kind, coefs, what, seed)) return;
    REQUIRE(seed < 30);  // routing far enough from ties on some early seed
  }
}

struct Term {
  const char* name;
  LossCoefs coefs;
};
const Term kTask{"task MSE", {}};
const Term kZ{"task + z-loss", {0, 0.5, 0, 0}};
const Term kTopkTerms[] = {
    kTask,
    {"task + switch aux", {1.0, 0, 0, 0}},
    kZ,
    {"task + importance CV²", {0, 0, 1.0, 0}},
    {"task + sequence-wise", {0, 0, 0, 1.0}},
    {"all terms", {0.3, 0.2, 0.4, 0.5}},
};

}  // namespace

TEST_CASE("train routers: noisy_topk and capacity gradients match central differences") {
  for (RouterKind router :
       {RouterKind::noisy_topk, RouterKind::softmax_top1_capacity, RouterKind::topk_capacity}) {
    for (moe::ExpertKind kind : {moe::ExpertKind::swiglu, moe::ExpertKind::mlp}) {
      for (const Term& term : kTopkTerms) check_gradient(router, kind, term.coefs, term.name);
    }
  }
}

TEST_CASE("train routers: noisy_topk's smooth load loss gradient matches central differences") {
  const Term terms[] = {{"task + load CV²", {0, 0, 0, 0, 1.0}},
                        {"importance + load CV²", {0, 0, 0.5, 0, 0.5}}};
  for (moe::ExpertKind kind : {moe::ExpertKind::swiglu, moe::ExpertKind::mlp}) {
    for (const Term& term : terms)
      check_gradient(RouterKind::noisy_topk, kind, term.coefs, term.name);
  }
}

TEST_CASE("train routers: expert_choice and soft_moe gradients match central differences") {
  for (RouterKind router : {RouterKind::expert_choice, RouterKind::soft_moe}) {
    for (moe::ExpertKind kind : {moe::ExpertKind::swiglu, moe::ExpertKind::mlp}) {
      for (const Term& term : {kTask, kZ}) check_gradient(router, kind, term.coefs, term.name);
    }
  }
}

TEST_CASE("train routers: without a noise seed noisy_topk is the clean top-k, W_noise idle") {
  Problem p = make_problem(RouterKind::noisy_topk, moe::ExpertKind::swiglu, 2);
  moe::train::Workspace<double> ws;
  std::vector<double> grad(p.shape.num_params());
  moe::train::model_forward_backward<double>(p.shape, {}, p.params.data(), nullptr, p.x.data(),
                                             p.y.data(), p.T, p.seq_len, grad.data(), ws);
  for (size_t i = 0; i < ws.clean.size(); ++i) CHECK(ws.logits[i] == ws.clean[i]);
  for (size_t i = p.shape.noise_offset(); i < p.shape.router_size(); ++i) CHECK(grad[i] == 0.0);
  // with one, every logit moves by ε · softplus(noise logit)
  moe_test::grad_problem_loss(p, {}, ws);
  int moved = 0;
  for (size_t i = 0; i < ws.clean.size(); ++i) moved += ws.logits[i] != ws.clean[i];
  CHECK(moved == static_cast<int>(ws.clean.size()));
}

TEST_CASE("train routers: the float (SIMD) pass agrees with the double pass") {
  for (RouterKind router :
       {RouterKind::noisy_topk, RouterKind::softmax_top1_capacity, RouterKind::topk_capacity,
        RouterKind::expert_choice, RouterKind::soft_moe}) {
    const bool soft = router == RouterKind::soft_moe || router == RouterKind::expert_choice;
    const LossCoefs coefs = soft ? LossCoefs{0, 0.01, 0, 0} : LossCoefs{0.1, 0.01, 0.1, 0.1, 0.1};
    INFO("router " << moe::to_string(router));
    moe_test::check_float_matches_double(make_problem(router, moe::ExpertKind::swiglu, 3), coefs);
  }
}

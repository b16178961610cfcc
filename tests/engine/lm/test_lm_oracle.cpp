// The language model against the golden cases of tests/oracle-lm (Hugging Face transformers'
// Mixtral code on random weights, float32): every logit, hidden state, router logit, top-k
// choice and weight, the pooled aux loss and the greedy tokens, with and without the KV cache.
// On a mismatch check_close names the first differing index and both values.
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "lm_test_support.hpp"
#include "moe/lm/lm_generate.hpp"
#include "oracle_support.hpp"

namespace {

using moe_test::flat;
using nlohmann::json;

std::vector<int32_t> ids_of(const json& rows, int& B, int& T) {
  std::vector<int32_t> ids;
  B = static_cast<int>(rows.size());
  T = static_cast<int>(rows[0].size());
  for (const json& r : rows) {
    for (const json& v : r) ids.push_back(v.get<int32_t>());
  }
  return ids;
}

// Layer l's buffer `field` of every layer, concatenated: [L][rows][cols] flat.
template <class F>
std::vector<double> per_layer(const moe::lm::LmTrace& tr, F field) {
  std::vector<double> out;
  for (const moe::lm::LmLayerActivations& a : tr.layers) {
    const auto& v = field(a);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

void check_exact(const std::vector<double>& got, const std::vector<double>& want,
                 const std::string& what) {
  REQUIRE_MESSAGE(got.size() == want.size(),
                  what << ": size " << got.size() << " vs " << want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) {
      FAIL_CHECK(what << ": first mismatch at [" << i << "]: got " << got[i] << ", expected "
                      << want[i]);
      return;
    }
  }
}

// The greedy loop the oracle ran: the full forward (no cache) over the whole sequence, argmax
// of the last position, appended, n times.
std::vector<int32_t> greedy_without_cache(moe::lm::LmModel& model, std::vector<int32_t> seq,
                                          int n) {
  std::vector<int32_t> out;
  const size_t V = static_cast<size_t>(model.config().vocab_size);
  for (int i = 0; i < n; ++i) {
    auto r = model.forward(seq, 1, static_cast<int>(seq.size()));
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    const std::vector<float>& logits = r.value()->logits;
    const int32_t next =
        moe::lm::pick_greedy(std::span<const float>(logits.data() + logits.size() - V, V));
    out.push_back(next);
    seq.push_back(next);
  }
  return out;
}

}  // namespace

TEST_CASE("lm oracle: logits, hidden states, routing and aux loss match transformers' Mixtral") {
  for (const char* name : moe_test::kLmCases) {
    CAPTURE(name);
    const moe_test::LmCase c = moe_test::load_lm_case(name);
    moe::lm::LmModel model = moe_test::load_lm_model(c);
    const json& x = c.expected;
    int B = 0, T = 0;
    const std::vector<int32_t> ids = ids_of(x["input_ids"], B, T);
    auto r = model.forward(ids, B, T);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    const moe::lm::LmTrace& tr = *r.value();
    using A = moe::lm::LmLayerActivations;
    moe_test::check_close(moe_test::as_double(tr.logits), flat(x["logits"]), 1e-4, 0, "logits");
    moe_test::check_close(per_layer(
                              tr, [](const A& a) -> auto& { return a.output; }),
                          flat(x["hidden_states"]), 1e-4, 0, "hidden_states");
    moe_test::check_close(moe_test::as_double(tr.final_hidden), flat(x["final_hidden"]), 1e-4, 0,
                          "final_hidden");
    moe_test::check_close(per_layer(
                              tr, [](const A& a) -> auto& { return a.router_logits; }),
                          flat(x["router_logits"]), 1e-4, 0, "router_logits");
    check_exact(per_layer(
                    tr, [](const A& a) -> auto& { return a.topk_ids; }),
                flat(x["topk_indices"]), "topk_indices");
    moe_test::check_close(per_layer(
                              tr, [](const A& a) -> auto& { return a.topk_weights; }),
                          flat(x["topk_weights"]), 1e-4, 0, "topk_weights");
    // The probabilities before renormalisation: router_probs at the chosen ids.
    std::vector<double> topk_probs;
    const int E = model.config().num_local_experts, k = model.config().num_experts_per_tok;
    for (const A& a : tr.layers) {
      for (size_t n = 0; n < a.topk_ids.size(); ++n) {
        topk_probs.push_back(a.router_probs[n / k * E + a.topk_ids[n]]);
      }
    }
    moe_test::check_close(topk_probs, flat(x["topk_probs"]), 1e-4, 0, "topk_probs");
    CHECK_MESSAGE(std::fabs(tr.aux_loss - x["aux_loss"].get<double>()) <= 1e-5,
                  "aux_loss " << tr.aux_loss << " vs " << x["aux_loss"].get<double>());
  }
}

TEST_CASE("lm oracle: greedy tokens match, with the KV cache and with the full-forward loop") {
  for (const char* name : moe_test::kLmCases) {
    CAPTURE(name);
    const moe_test::LmCase c = moe_test::load_lm_case(name);
    moe::lm::LmModel model = moe_test::load_lm_model(c);
    int B = 0, T = 0;
    std::vector<int32_t> ids = ids_of(c.expected["input_ids"], B, T);
    const std::vector<int32_t> prompt(ids.begin(), ids.begin() + T);  // row 0
    std::vector<double> want = flat(c.expected["greedy"]);
    const int n = static_cast<int>(want.size());

    check_exact(moe_test::as_double(greedy_without_cache(model, prompt, n)), want,
                "greedy (full forward per step)");
    moe::lm::GenerateOptions o;
    o.max_new_tokens = n;
    auto cached = moe::lm::lm_generate(model, prompt, o);
    REQUIRE_MESSAGE(cached.ok(), (cached.ok() ? "" : cached.error().message()));
    check_exact(moe_test::as_double(cached.value()), want, "greedy (KV cache)");
  }
}

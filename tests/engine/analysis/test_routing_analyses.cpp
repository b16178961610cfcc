// The routing analyses (moe::analysis) on hand-built routing records whose answers are worked out
// in the comments: Mixtral's consecutive-token agreement, OLMoE's domain share, vocabulary
// specialisation, co-activation and router saturation, and NMI.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/analysis/coactivation.hpp"
#include "moe/analysis/consecutive_agreement.hpp"
#include "moe/analysis/expert_specialisation.hpp"
#include "moe/analysis/routing_record.hpp"

namespace {

using moe::analysis::RoutingRecord;

// One layer, E experts, top-k; sets[n] are token n's k choices (first choice first). Token ids,
// sequences and domains default to n, 0 and 0.
RoutingRecord record_of(int E, int k, const std::vector<std::vector<int32_t>>& sets) {
  RoutingRecord r;
  r.num_experts = E;
  r.top_k = k;
  r.topk_ids.resize(1);
  r.router_probs.assign(1, std::vector<float>(sets.size() * E, 1.0f / E));
  for (size_t n = 0; n < sets.size(); ++n) {
    r.topk_ids[0].insert(r.topk_ids[0].end(), sets[n].begin(), sets[n].end());
    r.token_ids.push_back(static_cast<int32_t>(n));
    r.sequence.push_back(0);
    r.domain.push_back(0);
    r.surface.push_back(static_cast<int32_t>(moe::analysis::SurfaceClass::word));
  }
  r.domain_names = {"all"};
  REQUIRE(moe::analysis::check_routing_record(r).ok());
  return r;
}

}  // namespace

TEST_CASE("consecutive agreement: every pair agrees, and the chance level explains all of it") {
  // Four tokens all routed to {0, 1}: every pair shares its first choice; the layer also sends
  // every token to expert 0 first, so chance is 1 as well and nothing is left over.
  const RoutingRecord r = record_of(4, 2, {{0, 1}, {0, 1}, {0, 1}, {0, 1}});
  const auto a = moe::analysis::consecutive_agreement(r, 0);
  CHECK(a.pairs == 3);
  CHECK(a.first_choice == 1.0);
  CHECK(a.first_or_second == 1.0);
  CHECK(a.chance_first == doctest::Approx(1.0));
  CHECK(a.chance_set == doctest::Approx(1.0));
  CHECK(a.excess_first == doctest::Approx(0.0));
  CHECK(a.uniform_first == 0.25);
  CHECK(a.uniform_set == doctest::Approx(5.0 / 6.0));  // 1 − C(2,2)/C(4,2) = 1 − 1/6
}

TEST_CASE("consecutive agreement: no pair agrees, so the excess is negative") {
  // {0,1} and {2,3} alternate: no pair shares an expert. Each set has half the tokens, so chance
  // is 0.5² + 0.5² = 0.5 for the first choice and 0.5 for the sets (only equal sets meet).
  const RoutingRecord r = record_of(4, 2, {{0, 1}, {2, 3}, {0, 1}, {2, 3}});
  const auto a = moe::analysis::consecutive_agreement(r, 0);
  CHECK(a.first_choice == 0.0);
  CHECK(a.first_or_second == 0.0);
  CHECK(a.chance_first == doctest::Approx(0.5));
  CHECK(a.chance_set == doctest::Approx(0.5));
  CHECK(a.excess_first == doctest::Approx(-0.5));
  CHECK(a.excess_set == doctest::Approx(-0.5));
}

TEST_CASE("consecutive agreement: a skewed load makes chance close to what is observed") {
  // Top-1 of 2 experts, first choices 0 0 0 0 0 0 0 0 1 0: pairs agree 7 of 9 times (0.778),
  // and chance from the loads is 0.9² + 0.1² = 0.82: the stickiness is the skew.
  const RoutingRecord r = record_of(2, 1, {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {1}, {0}});
  const auto a = moe::analysis::consecutive_agreement(r, 0);
  CHECK(a.pairs == 9);
  CHECK(a.first_choice == doctest::Approx(7.0 / 9.0));
  CHECK(a.chance_first == doctest::Approx(0.82));
  CHECK(a.excess_first == doctest::Approx(7.0 / 9.0 - 0.82));
  CHECK(a.first_or_second == a.first_choice);  // with k = 1 the sets are the first choices
  CHECK(a.chance_set == doctest::Approx(0.82));
  CHECK(a.uniform_set == doctest::Approx(0.5));
}

TEST_CASE("consecutive agreement: the chance of two top-k sets meeting, from set frequencies") {
  // Sets {0,1} ×2, {0,2}, {2,3}: f = 0.5, 0.25, 0.25. Intersecting ordered pairs:
  // {0,1}{0,1} .25 + {0,1}{0,2} 2·.125 + {0,2}{0,2} .0625 + {0,2}{2,3} 2·.0625 + {2,3}{2,3} .0625
  // = 0.75. First choices 0,1,0,2: chance 0.5² + 0.25² + 0.25² = 0.375.
  const RoutingRecord r = record_of(4, 2, {{0, 1}, {1, 0}, {0, 2}, {2, 3}});
  const auto a = moe::analysis::consecutive_agreement(r, 0);
  CHECK(a.chance_set == doctest::Approx(0.75));
  CHECK(a.chance_first == doctest::Approx(0.375));
  // Pairs: {0,1}{1,0} meet, first 0 vs 1 differ; {1,0}{0,2} meet, 1 vs 0; {0,2}{2,3} meet, 0 vs 2.
  CHECK(a.first_or_second == 1.0);
  CHECK(a.first_choice == 0.0);
}

TEST_CASE("consecutive agreement: pairs never cross a sequence boundary") {
  // Two sequences {0}{0} and {1}{1}: the pair that crosses (0 → 1) does not count.
  RoutingRecord r = record_of(2, 1, {{0}, {0}, {1}, {1}});
  r.sequence = {0, 0, 1, 1};
  const auto a = moe::analysis::consecutive_agreement(r, 0);
  CHECK(a.pairs == 2);
  CHECK(a.first_choice == 1.0);
}

TEST_CASE("domain subset: one domain's tokens, so its agreement is measured on its own loads") {
  // Domain 0 always picks expert 0, domain 1 alternates 1, 2: pooled, the chance level is
  // 0.5² + 0.25² + 0.25² = 0.375; within domain 0 it is 1 and within domain 1 it is 0.5.
  RoutingRecord r = record_of(3, 1, {{0}, {0}, {0}, {0}, {1}, {2}, {1}, {2}});
  r.domain = {0, 0, 0, 0, 1, 1, 1, 1};
  r.sequence = {0, 0, 0, 0, 1, 1, 1, 1};
  r.token_ids = {5, 6, 7, 8, 9, 10, 11, 12};
  r.domain_names = {"prose", "code"};
  CHECK(moe::analysis::consecutive_agreement(r, 0).chance_first == doctest::Approx(0.375));
  const RoutingRecord code = moe::analysis::domain_subset(r, 1);
  REQUIRE(moe::analysis::check_routing_record(code).ok());
  CHECK(code.token_ids == std::vector<int32_t>{9, 10, 11, 12});
  CHECK(code.topk_ids[0] == std::vector<int32_t>{1, 2, 1, 2});
  CHECK(code.router_probs[0].size() == 12);
  const auto a = moe::analysis::consecutive_agreement(code, 0);
  CHECK(a.pairs == 3);
  CHECK(a.first_choice == 0.0);
  CHECK(a.chance_first == doctest::Approx(0.5));
  CHECK(moe::analysis::consecutive_agreement(moe::analysis::domain_subset(r, 0), 0).chance_first ==
        doctest::Approx(1.0));
}

TEST_CASE("uniform set overlap: Mixtral's 46% for 8 experts top-2, certain when sets must meet") {
  CHECK(moe::analysis::uniform_set_overlap(8, 2) == doctest::Approx(1.0 - 15.0 / 28.0));
  CHECK(moe::analysis::uniform_set_overlap(8, 1) == doctest::Approx(1.0 / 8.0));
  CHECK(moe::analysis::uniform_set_overlap(3, 2) == 1.0);  // C(1,2) = 0
  CHECK(moe::analysis::uniform_set_overlap(64, 8) ==
        doctest::Approx(1.0 - 0.320931).epsilon(1e-5));  // OLMoE's shape: C(56,8)/C(64,8)
}

TEST_CASE("expert share per domain: share of a domain's tokens with e in the top-k, summing to k") {
  RoutingRecord r = record_of(4, 2, {{0, 1}, {1, 0}, {2, 3}, {3, 0}});
  r.domain = {0, 0, 1, 1};
  r.domain_names = {"prose", "code"};
  const auto share = moe::analysis::expert_share_by_domain(r, 0);
  REQUIRE(share.size() == 2);
  CHECK(share[0] == std::vector<double>{1.0, 1.0, 0.0, 0.0});
  CHECK(share[1] == std::vector<double>{0.5, 0.0, 0.5, 1.0});
}

TEST_CASE("vocabulary specialisation: share of an id's occurrences at its most frequent expert") {
  // id 7 four times, first choices 0 0 1 0 → 0.75 at expert 0; id 9 once → 1 at expert 2.
  // Token-weighted mean = (3 + 1) / 5 = 0.8.
  RoutingRecord r = record_of(3, 1, {{0}, {0}, {1}, {2}, {0}});
  r.token_ids = {7, 7, 7, 9, 7};
  const auto v = moe::analysis::vocabulary_specialisation(r, 0);
  REQUIRE(v.tokens.size() == 2);
  CHECK(v.tokens[0].token_id == 7);
  CHECK(v.tokens[0].count == 4);
  CHECK(v.tokens[0].expert == 0);
  CHECK(v.tokens[0].share == 0.75);
  CHECK(v.tokens[1].token_id == 9);
  CHECK(v.tokens[1].expert == 2);
  CHECK(v.tokens[1].share == 1.0);
  CHECK(v.mean == doctest::Approx(0.8));
}

TEST_CASE("co-activation: counts of experts chosen together, and normalised by the first's") {
  const RoutingRecord r = record_of(4, 2, {{0, 1}, {1, 0}, {0, 2}});
  const auto c = moe::analysis::coactivation(r, 0);
  const auto at = [](const auto& m, int i, int j) { return m[static_cast<size_t>(i * 4 + j)]; };
  CHECK(at(c.counts, 0, 0) == 3);
  CHECK(at(c.counts, 0, 1) == 2);
  CHECK(at(c.counts, 1, 0) == 2);
  CHECK(at(c.counts, 0, 2) == 1);
  CHECK(at(c.counts, 3, 3) == 0);
  CHECK(at(c.given, 0, 1) == doctest::Approx(2.0 / 3.0));
  CHECK(at(c.given, 1, 0) == 1.0);
  CHECK(at(c.given, 2, 0) == 1.0);
  CHECK(at(c.given, 3, 0) == 0.0);  // expert 3 never chosen
  // Σ_j≠i given[i][j] = k − 1 for every chosen expert.
  for (int i = 0; i < 3; ++i) {
    double sum = 0;
    for (int j = 0; j < 4; ++j) sum += i == j ? 0.0 : at(c.given, i, j);
    CHECK(sum == doctest::Approx(1.0));
  }
}

TEST_CASE("router saturation: share of the intermediate top-k the final model keeps") {
  // Layer 0: {0,1} vs final {0,2} keeps 1 of 2, {2,3} vs {3,2} keeps 2: 3/4. Layer 1 equal: 1.
  RoutingRecord step = record_of(4, 2, {{0, 1}, {2, 3}});
  RoutingRecord final = record_of(4, 2, {{0, 2}, {3, 2}});
  step.topk_ids.push_back(step.topk_ids[0]);
  step.router_probs.push_back(step.router_probs[0]);
  final.topk_ids.push_back(step.topk_ids[0]);
  final.router_probs.push_back(final.router_probs[0]);
  const auto s = moe::analysis::router_saturation(step, final);
  REQUIRE(s.ok());
  CHECK(s.value().per_layer == std::vector<double>{0.75, 1.0});
  CHECK(s.value().mean == doctest::Approx(0.875));

  const RoutingRecord shorter = record_of(4, 2, {{0, 1}});
  const auto bad = moe::analysis::router_saturation(shorter, record_of(4, 2, {{0, 1}, {2, 3}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() ==
        "saturation.tokens: the intermediate routing has 1, the final 2 (both must route the "
        "same tokens)");
}

TEST_CASE("NMI: 1 when the expert determines the domain, 0 when they are independent") {
  // Experts 2 and 3 carry domains 1 and 0 exactly (names do not matter).
  RoutingRecord same = record_of(4, 1, {{2}, {3}, {2}, {3}});
  same.domain = {1, 0, 1, 0};
  same.domain_names = {"a", "b"};
  CHECK(moe::analysis::nmi_expert_domain(same, 0) == doctest::Approx(1.0));
  // Every (expert, domain) combination once: knowing one says nothing about the other.
  RoutingRecord independent = record_of(4, 1, {{0}, {0}, {1}, {1}});
  independent.domain = {0, 1, 0, 1};
  independent.domain_names = {"a", "b"};
  CHECK(moe::analysis::nmi_expert_domain(independent, 0) == doctest::Approx(0.0));
  independent.surface = {2, 2, 3, 3};  // surface follows the expert
  CHECK(moe::analysis::nmi_expert_surface(independent, 0) == doctest::Approx(1.0));
}

TEST_CASE("surface classes of token bytes") {
  using moe::analysis::surface_class_of_bytes;
  CHECK(surface_class_of_bytes(" the", false) == moe::analysis::SurfaceClass::word);
  CHECK(surface_class_of_bytes("ing", false) == moe::analysis::SurfaceClass::word);
  CHECK(surface_class_of_bytes("\xC3\xA9t\xC3\xA9", false) ==
        moe::analysis::SurfaceClass::word);  // été
  CHECK(surface_class_of_bytes(" 3", false) == moe::analysis::SurfaceClass::number);
  CHECK(surface_class_of_bytes("   ", false) == moe::analysis::SurfaceClass::whitespace);
  CHECK(surface_class_of_bytes("\n\n", false) == moe::analysis::SurfaceClass::whitespace);
  CHECK(surface_class_of_bytes("):", false) == moe::analysis::SurfaceClass::punctuation);
  CHECK(surface_class_of_bytes(" +", false) == moe::analysis::SurfaceClass::punctuation);
  CHECK(surface_class_of_bytes("__init", false) == moe::analysis::SurfaceClass::mixed);
  CHECK(surface_class_of_bytes("'s", false) == moe::analysis::SurfaceClass::mixed);
  CHECK(surface_class_of_bytes("<|endoftext|>", true) == moe::analysis::SurfaceClass::special);
}

TEST_CASE("routing record check: names the field and the reason") {
  RoutingRecord r = record_of(4, 2, {{0, 1}, {2, 3}});
  r.topk_ids[0][3] = 4;
  auto ok = moe::analysis::check_routing_record(r);
  REQUIRE_FALSE(ok.ok());
  CHECK(ok.error().message() == "record.topk_ids[0][3]: must be an expert id in [0, 4), got 4");
  r = record_of(4, 2, {{0, 1}, {2, 3}});
  r.domain = {0};
  ok = moe::analysis::check_routing_record(r);
  REQUIRE_FALSE(ok.ok());
  CHECK(ok.error().message() == "record.domain: has 1 entries for 2 tokens");
  r = record_of(4, 2, {{0, 1}, {2, 3}});
  r.top_k = 5;
  CHECK(moe::analysis::check_routing_record(r).error().message() ==
        "record.top_k: must be between 1 and num_experts (4), got 5");
}

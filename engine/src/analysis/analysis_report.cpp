#include "moe/analysis/analysis_report.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "moe/analysis/coactivation.hpp"
#include "moe/analysis/consecutive_agreement.hpp"
#include "moe/analysis/expert_specialisation.hpp"

namespace moe::analysis {
namespace {

using nlohmann::json;

json agreement_json(const ConsecutiveAgreement& a) {
  return {{"pairs", a.pairs},
          {"first_choice", a.first_choice},
          {"first_or_second", a.first_or_second},
          {"uniform_first", a.uniform_first},
          {"uniform_set", a.uniform_set},
          {"chance_first", a.chance_first},
          {"chance_set", a.chance_set},
          {"excess_first", a.excess_first},
          {"excess_set", a.excess_set}};
}

json vocabulary_json(const VocabSpecialisation& v, const text::Tokenizer& tok, int top) {
  json rows = json::array();
  for (size_t i = 0; i < v.tokens.size() && static_cast<int>(i) < top; ++i) {
    const VocabEntry& e = v.tokens[i];
    rows.push_back({{"id", e.token_id},
                    {"piece", tok.token_bytes(e.token_id)},
                    {"count", e.count},
                    {"expert", e.expert},
                    {"share", e.share}});
  }
  return {{"mean", v.mean}, {"distinct_ids", v.tokens.size()}, {"top", std::move(rows)}};
}

// values [E, E] row-major → [[...], ...]
template <class T>
json square_json(const std::vector<T>& values, int E) {
  json rows = json::array();
  for (int i = 0; i < E; ++i) {
    rows.push_back(std::vector<T>(values.begin() + i * E, values.begin() + (i + 1) * E));
  }
  return rows;
}

// The per-layer analyses of one routing record.
json routing_json(const RoutingRecord& r, const text::Tokenizer& tok, int top_vocab) {
  json agreement = json::array(), share = json::array(), vocab = json::array(),
       coact = json::array(), nmi = json::array();
  for (int l = 0; l < r.layers(); ++l) {
    agreement.push_back(agreement_json(consecutive_agreement(r, l)));
    share.push_back(expert_share_by_domain(r, l));
    vocab.push_back(vocabulary_json(vocabulary_specialisation(r, l), tok, top_vocab));
    const Coactivation c = coactivation(r, l);
    coact.push_back({{"counts", square_json(c.counts, r.num_experts)},
                     {"given", square_json(c.given, r.num_experts)}});
    nmi.push_back({{"domain", nmi_expert_domain(r, l)}, {"surface", nmi_expert_surface(r, l)}});
  }
  std::vector<int64_t> surface_counts(kSurfaceClasses, 0);
  for (int32_t s : r.surface) ++surface_counts[static_cast<size_t>(s)];
  json names = json::array();
  for (std::string_view n : kSurfaceClassNames) names.push_back(n);
  // Mixtral's Table 5 is per domain: each domain's pairs against its own loads.
  json by_domain = json::object();
  for (size_t d = 0; d < r.domain_names.size(); ++d) {
    const RoutingRecord sub = domain_subset(r, static_cast<int>(d));
    json layers = json::array();
    for (int l = 0; l < sub.layers(); ++l) {
      layers.push_back(agreement_json(consecutive_agreement(sub, l)));
    }
    by_domain[r.domain_names[d]] = std::move(layers);
  }
  return {{"consecutive_agreement", std::move(agreement)},
          {"consecutive_agreement_by_domain", std::move(by_domain)},
          {"expert_share", std::move(share)},
          {"vocabulary", std::move(vocab)},
          {"coactivation", std::move(coact)},
          {"nmi", std::move(nmi)},
          {"surface_classes", {{"names", std::move(names)}, {"counts", surface_counts}}}};
}

}  // namespace

json losses_json(const LmEvaluation& ev) {
  json domains = json::array();
  for (const DomainLoss& d : ev.domains) {
    domains.push_back({{"name", d.name}, {"loss", d.loss}, {"tokens", d.tokens}});
  }
  return {{"domains", std::move(domains)}, {"loss", ev.loss}};
}

Result<LmAnalysis> analyze_lm(lm::LmModel& model, const text::Tokenizer& tokenizer,
                              const std::vector<TokenDomain>& domains,
                              const AnalysisOptions& options) {
  if (options.top_vocab < 1) {
    return Error{"top_vocab", "must be at least 1, got " + std::to_string(options.top_vocab)};
  }
  const lm::LmConfig& c = model.config();
  // [V] surface class of every id; ids past the tokenizer's (a larger embedding) count as mixed.
  const std::vector<int32_t> surface = surface_classes_of_vocab(tokenizer);
  std::vector<int32_t> surface_of_id(static_cast<size_t>(c.vocab_size),
                                     static_cast<int32_t>(SurfaceClass::mixed));
  std::copy_n(surface.begin(), std::min(surface.size(), surface_of_id.size()),
              surface_of_id.begin());

  EvalOptions eo;
  eo.context = options.context;
  eo.max_tokens = options.max_tokens;
  eo.surface_of_id = surface_of_id;
  Result<LmEvaluation> ev = evaluate_lm(model, domains, eo);
  if (!ev.ok()) return ev.error();
  const RoutingRecord& record = ev.value().routing;
  if (Result<bool> ok = check_routing_record(record); !ok.ok()) return ok.error();

  json report = routing_json(record, tokenizer, options.top_vocab);
  report["model"] = {{"layers", c.num_hidden_layers},
                     {"experts", c.num_local_experts},
                     {"top_k", c.num_experts_per_tok},
                     {"vocab_size", c.vocab_size},
                     {"context", eo.context == 0 ? c.max_position_embeddings : eo.context}};
  report["domains"] = record.domain_names;
  report["tokens"] = record.tokens();
  report["heldout_loss"] = losses_json(ev.value());
  return LmAnalysis{std::move(report), std::move(ev.value())};
}

}  // namespace moe::analysis

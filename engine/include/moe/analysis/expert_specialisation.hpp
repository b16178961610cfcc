// What experts specialise in (OLMoE, Muennighoff et al. 2024, and normalised mutual information),
// per layer, over a routing record of N tokens with E experts and top-k.
//
// Domain share (OLMoE's domain specialisation), for domain D and expert e:
//   share[D][e] = #{n ∈ D : e ∈ topk(n)} / #{n ∈ D}          Σ_e share[D][e] = k; uniform k/E
//
// Vocabulary specialisation (OLMoE), on the first choice: for a token id x with N_x occurrences,
// of which N_{x,e} go first to expert e,
//   spec(x) = max_e N_{x,e} / N_x                              in [1/E, 1]
//   mean    = Σ_x N_x · spec(x) / Σ_x N_x = Σ_x max_e N_{x,e} / N     (token-weighted)
// An id seen once scores 1, so the mean is above 1/E even for a random router on short text.
//
// NMI between the first-choice expert and a label (domain, surface class), with the trainer's
// normalisation (train/stats.hpp): NMI(a, b) = I(a; b) / ((H(a) + H(b)) / 2), natural log;
// 0 for independent labelings, 1 for labelings that determine each other.
#pragma once

#include <cstdint>
#include <vector>

#include "moe/analysis/routing_record.hpp"

namespace moe::analysis {

// [D][E] as above (a domain with no tokens: all 0).
std::vector<std::vector<double>> expert_share_by_domain(const RoutingRecord& r, int layer);

struct VocabEntry {
  int32_t token_id = 0;  // x
  int64_t count = 0;     // N_x
  int32_t expert = 0;    // argmax_e N_{x,e} (ties to the lower expert)
  double share = 0;      // spec(x)
};
struct VocabSpecialisation {
  std::vector<VocabEntry> tokens;  // every id seen, most frequent first (ties: lower id)
  double mean = 0;                 // token-weighted mean of spec(x)
};
VocabSpecialisation vocabulary_specialisation(const RoutingRecord& r, int layer);

// NMI(first choice, domain) and NMI(first choice, surface class) over the record's tokens.
double nmi_expert_domain(const RoutingRecord& r, int layer);
double nmi_expert_surface(const RoutingRecord& r, int layer);

}  // namespace moe::analysis

// The routing analyses of `moe lm analyze` as one JSON report, shared by the CLI
// (engine/tools/lm_analyze_command.cpp) and the page (engine/wasm/lm_analysis_bindings.cpp), so
// both print the same numbers from the same functions. Per layer l (formulas in the headers named):
//   consecutive_agreement[l]            consecutive_agreement.hpp over all domains' tokens
//   consecutive_agreement_by_domain[d][l]  the same on domain d's tokens and loads only
//   expert_share[l][d][e]               expert_specialisation.hpp (OLMoE's figure)
//   vocabulary[l]                       {mean, distinct_ids, top: the top_vocab most frequent ids}
//   coactivation[l]                     {counts [E, E], given [E, E]}
//   nmi[l]                              {domain, surface}: first choice vs domain, vs surface class
// and once: surface_classes {names, counts}, model {layers, experts, top_k, vocab_size, context},
// domains, tokens (routed), heldout_loss {domains: [{name, loss, tokens}], loss}.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "moe/analysis/lm_evaluation.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::analysis {

struct AnalysisOptions {
  int context = 0;            // C; 0 = the model's max_position_embeddings
  int64_t max_tokens = 4096;  // predicted tokens per domain; 0 = the whole stream
  int top_vocab = 20;         // rows of vocabulary[l].top
};

struct LmAnalysis {
  nlohmann::json report;    // the object described above
  LmEvaluation evaluation;  // its held-out evaluation, routing record included
};

// {name, loss, tokens} per domain and the overall loss, as the report's heldout_loss.
nlohmann::json losses_json(const LmEvaluation& evaluation);

// Routes `domains` through `model` (evaluate_lm, every token labelled by its surface class under
// `tokenizer`) and reports the analyses. Errors: evaluate_lm's (context, max_tokens, a domain of
// fewer than 2 tokens, ids outside the vocabulary) and `top_vocab: ...` when it is below 1.
Result<LmAnalysis> analyze_lm(lm::LmModel& model, const text::Tokenizer& tokenizer,
                              const std::vector<TokenDomain>& domains,
                              const AnalysisOptions& options);

}  // namespace moe::analysis

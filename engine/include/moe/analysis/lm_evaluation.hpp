// The language model over held-out text: loss per domain, the routing record the analyses read,
// and DeepSeekMoE's masking studies. Each domain is one token stream (its held-out text encoded
// once, documents joined by <|endoftext|>), cut into the trainer's held-out windows
// (lm_batches.hpp lm_heldout_windows: C + 1 tokens at 0, C, 2C, ..., a short tail left out),
//   window w: inputs ids[w·C .. w·C + C), targets ids[w·C + 1 .. w·C + C + 1)
// and scored by the trainer's held-out loss (lm_heldout_loss), so `moe lm eval` on a checkpoint
// gives the loss its training log recorded:
//   loss(D) = (1 / W_D) Σ_w mean_t nll(w, t)         (lm_loss.hpp, M_D = W_D · C targets)
// Windows are the record's sequences: consecutive-token pairs stay inside a window.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "moe/analysis/routing_record.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::analysis {

struct TokenDomain {
  std::string name;
  std::vector<int32_t> ids;  // [n] the domain's token stream
};

struct EvalOptions {
  int context = 0;             // C; 0 = the model's max_position_embeddings
  int64_t max_tokens = 0;      // predicted tokens per domain, rounded up to whole windows; 0 = all
  bool record_routing = true;  // fill LmEvaluation::routing
  // [V] SurfaceClass of every token id (surface_classes_of_vocab); empty = every token `mixed`
  std::span<const int32_t> surface_of_id;
};

struct DomainLoss {
  std::string name;
  double loss = 0;     // mean NLL in nats
  int64_t tokens = 0;  // M_D, targets predicted
};

struct LmEvaluation {
  std::vector<DomainLoss> domains;  // [D]
  double loss = 0;                  // over all domains' targets (token-weighted)
  RoutingRecord routing;            // the windows' input tokens (when record_routing)
};

// A domain shorter than one window (C + 1 tokens) is read as one window of its own length.
// Errors: `context` or `max_tokens` out of range, a domain of fewer than 2 tokens
// or with an id outside the vocabulary (`domains[i] (name)[j]`), or the model's own.
Result<LmEvaluation> evaluate_lm(lm::LmModel& model, const std::vector<TokenDomain>& domains,
                                 const EvalOptions& options);

// DeepSeekMoE's masking studies, each a held-out evaluation with a selection mask in every layer
// (the model's masks are cleared afterwards):
//   top1_masked     each token's first choice is excluded and the router re-picks its k from
//                   the other E − 1 experts
//   expert_off[e]   expert e is switched off for every token, e = 0 .. E−1
// Needs E > k (a mask must leave k experts); otherwise `selection_mask: ...`.
struct MaskingStudy {
  LmEvaluation top1_masked;              // routing not recorded
  std::vector<LmEvaluation> expert_off;  // [E]
};
Result<MaskingStudy> masking_study(lm::LmModel& model, const std::vector<TokenDomain>& domains,
                                   EvalOptions options);

// [V] the SurfaceClass of each token id of `tokenizer` (routing_record.hpp).
std::vector<int32_t> surface_classes_of_vocab(const text::Tokenizer& tokenizer);

}  // namespace moe::analysis

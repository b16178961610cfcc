// Generation one token per call, for a caller that shows tokens as they come and may stop between
// calls (the page's engine worker). start() checks the request as lm_generate does and runs the
// prefill; each next() picks a token from the last logits (pick_next: greedy, or seeded top-p)
// and feeds it back through the KV cache, so the model's trace then holds that token's routing:
//
//   prefill:  trace rows = the prompt's P tokens, logits[P-1] → token 0
//   next():   token i = pick_next(logits of the last fed row); feed token i at position P + i
//
// The tokens are those of lm_generate with the same options (it skips feeding the last token,
// which needs no routing there). The stream keeps a pointer to the model: the model must outlive
// it and must not move. Other forward calls on the model between next() calls are allowed (the
// stream keeps its own cache and last logits) but replace model.trace().
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/result.hpp"
#include "moe/rng.hpp"

namespace moe::lm {

class LmStream {
 public:
  // Errors: those of check_generate_request (`prompt...`, `options.<field>`), and of the forward.
  static Result<LmStream> start(LmModel& model, std::span<const int32_t> prompt,
                                const GenerateOptions& options);

  // The next token; the model's trace is then its forward (one row). `generate: ...` once done().
  Result<int32_t> next();

  // After max_new_tokens, or right after the config's eos_token_id.
  bool done() const { return generated_ >= options_.max_new_tokens || ended_; }
  int generated() const { return generated_; }
  // Position of the next token to be fed: the prompt length plus the tokens generated so far.
  int position() const { return cache_.length; }

 private:
  LmStream(LmModel& model, const GenerateOptions& options, KvCache cache);
  // Copies the last row's logits out of the model's trace.   [V]
  void keep_last_logits(const LmTrace& trace);

  LmModel* model_;
  GenerateOptions options_;
  KvCache cache_;
  SplitMix64 rng_;
  std::vector<float> last_logits_;  // [V]  logits of the last fed row
  int generated_ = 0;
  bool ended_ = false;  // the last token was eos_token_id
};

}  // namespace moe::lm

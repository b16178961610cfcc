// Next-token cross-entropy, the language model's training and evaluation loss. Shared by the
// trainer (with the gradient) and the evaluations (held-out loss per domain, knock-outs).
// N rows of logits over a vocabulary of V; targets[n] is the id row n should predict, or
// kIgnoreTarget for a row that does not count (the last position of a sequence):
//   nll[n]  = logsumexp(logits[n, ·]) − logits[n, targets[n]]
//   loss    = (1/M) Σ_{n counted} nll[n],   M = number of counted rows
//   dlogits[n, v] = (softmax(logits[n, ·])_v − [v = targets[n]]) / M   (0 for ignored rows)
// Sums run in double, so float and double inputs give the same loss to float rounding. Float with
// dlogits (training) takes one SIMD exp per entry; the loss then moves by float rounding only.
#pragma once

#include <cstdint>

namespace moe::lm {

inline constexpr int32_t kIgnoreTarget = -1;

// One row's negative log-likelihood of `target` (0 <= target < V). logits_row [V].
template <class Real>
double token_nll(const Real* logits_row, int V, int32_t target);

// Mean NLL over the counted rows (0 when none count). logits [N, V], targets [N]; dlogits [N, V]
// is written when non-null (scaled by 1/M as above). Targets must be in range or kIgnoreTarget.
template <class Real>
double next_token_loss(const Real* logits, int N, int V, const int32_t* targets, Real* dlogits);

extern template double token_nll<float>(const float*, int, int32_t);
extern template double token_nll<double>(const double*, int, int32_t);
extern template double next_token_loss<float>(const float*, int, int, const int32_t*, float*);
extern template double next_token_loss<double>(const double*, int, int, const int32_t*, double*);

}  // namespace moe::lm

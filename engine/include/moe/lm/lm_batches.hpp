// Training batches and held-out windows for the language model, from tokenized text. A window is
// T + 1 consecutive ids: the model reads the first T and predicts the last T.
//   training: window b of step s starts at u mod (n − T), u = splitmix64 of (seed, s) drawn b-th,
//             so a step's batch depends only on (seed, step): runs in chunks see the same tokens
//   held-out: windows at 0, T, 2T, ... (each shares its last id with the next one's first),
//             at most max_windows of them: every run evaluates the same tokens
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace moe::lm {

// The B windows of training step `step` from tokens [n] (n > T).   out [B, T+1]
void lm_batch_windows(const std::vector<int32_t>& tokens, int B, int T, uint64_t seed, int step,
                      int32_t* out);

// Held-out windows of T + 1 ids, back to back, at most max_windows (0 = all that fit).
// Returns [W, T+1] row-major; empty when the tokens are shorter than one window.
std::vector<int32_t> lm_heldout_windows(const std::vector<int32_t>& tokens, int T, int max_windows);

// The held-out loss, the one definition the trainer's log, `moe lm eval` and `moe lm analyze`
// share: the mean over the W windows [W, T+1] of lm_heldout_windows of each window's mean
// next-token NLL (every window predicts T tokens, so this is also the mean over the W·T targets).
// batch_loss(windows [B, T+1], B) returns the mean NLL of B windows (lm_loss.hpp); windows go
// `batch` at a time:
//   loss = (1/W) Σ_batches batch_loss · B              (0 when W = 0)
double lm_heldout_loss(const std::vector<int32_t>& windows, int T, int batch,
                       const std::function<double(const int32_t* windows, int B)>& batch_loss);

}  // namespace moe::lm

// Training batches and held-out windows for the language model, from tokenized text. A window is
// T + 1 consecutive ids: the model reads the first T and predicts the last T.
//   training: window b of step s starts at u mod (n − T), u = splitmix64 of (seed, s) drawn b-th,
//             so a step's batch depends only on (seed, step): runs in chunks see the same tokens
//   held-out: windows at 0, T, 2T, ... (each shares its last id with the next one's first),
//             at most max_windows of them: every run evaluates the same tokens
#pragma once

#include <cstdint>
#include <vector>

namespace moe::lm {

// The B windows of training step `step` from tokens [n] (n > T).   out [B, T+1]
void lm_batch_windows(const std::vector<int32_t>& tokens, int B, int T, uint64_t seed, int step,
                      int32_t* out);

// Held-out windows of T + 1 ids, back to back, at most max_windows (0 = all that fit).
// Returns [W, T+1] row-major; empty when the tokens are shorter than one window.
std::vector<int32_t> lm_heldout_windows(const std::vector<int32_t>& tokens, int T, int max_windows);

}  // namespace moe::lm

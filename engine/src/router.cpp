#include "moe/router.hpp"

#include <algorithm>
#include <cassert>
#include <vector>

#include "moe/kernels.hpp"

namespace moe {

void router_compute_logits(const float* x, const float* w_gate, int T, int d, int E,
                           float* logits) {
  f32_matmul(x, w_gate, logits, static_cast<size_t>(T), static_cast<size_t>(d),
             static_cast<size_t>(E));
}

void router_compute_probs(const float* logits, int T, int E, float* probs) {
  assert(E >= 1 && "softmax needs at least one expert per row");
  f32_softmax_rows(logits, probs, static_cast<size_t>(T), static_cast<size_t>(E));
}

void router_select_topk(const float* probs, int T, int E, int k, int32_t* topk_ids) {
  assert(k >= 1 && k <= E && "top_k must be in [1, E]");
  std::vector<uint8_t> taken(static_cast<size_t>(E));  // [E]
  for (int t = 0; t < T; ++t) {
    const float* p = probs + static_cast<size_t>(t) * E;   // [E]
    int32_t* ids = topk_ids + static_cast<size_t>(t) * k;  // [k]
    std::fill(taken.begin(), taken.end(), uint8_t{0});
    // Selection by repeated argmax over the experts not yet taken: O(E·k), k is small. A strict
    // `>` while scanning upward keeps the lower index on an exact tie.
    for (int j = 0; j < k; ++j) {
      int best = -1;
      for (int e = 0; e < E; ++e) {
        if (!taken[static_cast<size_t>(e)] && (best < 0 || p[e] > p[best])) best = e;
      }
      taken[static_cast<size_t>(best)] = 1;
      ids[j] = best;
    }
  }
}

void router_gather_weights(const float* probs, const int32_t* topk_ids, int T, int E, int k,
                           float* topk_weights) {
  for (int t = 0; t < T; ++t) {
    for (int j = 0; j < k; ++j) {
      const size_t tj = static_cast<size_t>(t) * k + j;
      topk_weights[tj] = probs[static_cast<size_t>(t) * E + topk_ids[tj]];
    }
  }
}

void router_renormalise(float* topk_weights, int T, int k) {
  for (int t = 0; t < T; ++t) {
    float* w = topk_weights + static_cast<size_t>(t) * k;  // [k]
    float sum = 0.0f;
    for (int j = 0; j < k; ++j) sum += w[j];
    for (int j = 0; j < k; ++j) w[j] /= sum;
  }
}

void router_count_load(const int32_t* topk_ids, int T, int k, int E, int32_t* expert_load) {
  for (int e = 0; e < E; ++e) expert_load[e] = 0;
  for (size_t tj = 0; tj < static_cast<size_t>(T) * k; ++tj) ++expert_load[topk_ids[tj]];
}

}  // namespace moe

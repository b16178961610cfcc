// The routing stages (moe/router.hpp). Templates over the scalar keep one body per stage for the
// float path and the trainer's double reference; softmax and sigmoid run the SIMD kernels in float.
#include "moe/routing/router.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "moe/kernels/kernels.hpp"

namespace moe {

namespace {

// ids[0..k) = indices of the k largest x[i·stride], i < n, by value descending, exact ties to the
// lower index. Insertion into a sorted list of the best k so far: O(n·k), no allocation; a later
// index moves ahead only on a strictly larger value.
template <class Real>
void topk_row(const Real* x, int n, size_t stride, int k, int32_t* ids) {
  int filled = 0;
  for (int i = 0; i < n; ++i) {
    const Real xi = x[i * stride];
    int pos;
    if (filled < k) {
      pos = filled++;
    } else if (xi > x[ids[k - 1] * stride]) {
      pos = k - 1;
    } else {
      continue;
    }
    while (pos > 0 && xi > x[ids[pos - 1] * stride]) {
      ids[pos] = ids[pos - 1];
      --pos;
    }
    ids[pos] = i;
  }
}

template <class Real>
void select_topk(const Real* probs, int T, int E, int k, int32_t* topk_ids) {
  assert(k >= 1 && k <= E && "top_k must be in [1, E]");
  for (int t = 0; t < T; ++t) {
    topk_row(probs + static_cast<size_t>(t) * E, E, 1, k, topk_ids + static_cast<size_t>(t) * k);
  }
}

template <class Real>
void add_selection_bias(const Real* scores, const Real* bias, int T, int E, Real* biased) {
  for (int t = 0; t < T; ++t) {
    const size_t row = static_cast<size_t>(t) * E;
    for (int e = 0; e < E; ++e) biased[row + e] = scores[row + e] + bias[e];
  }
}

template <class Real>
void select_expert_choice(const Real* probs, int S, int E, int C, int32_t* expert_tokens) {
  assert(C >= 0 && C <= S && "capacity must be in [0, S]");
  if (C == 0) return;
  for (int e = 0; e < E; ++e) {
    topk_row(probs + e, S, static_cast<size_t>(E), C, expert_tokens + static_cast<size_t>(e) * C);
  }
}

template <class Real>
void gather_weights(const Real* probs, const int32_t* topk_ids, int T, int E, int k,
                    Real* topk_weights) {
  for (int t = 0; t < T; ++t) {
    for (int j = 0; j < k; ++j) {
      const size_t tj = static_cast<size_t>(t) * k + j;
      topk_weights[tj] = probs[static_cast<size_t>(t) * E + topk_ids[tj]];
    }
  }
}

template <class Real>
void renormalise(Real* topk_weights, int T, int k, Real epsilon) {
  for (int t = 0; t < T; ++t) {
    Real* w = topk_weights + static_cast<size_t>(t) * k;  // [k]
    Real sum = 0;
    for (int j = 0; j < k; ++j) sum += w[j];
    if (epsilon != 0) sum += epsilon;
    for (int j = 0; j < k; ++j) w[j] /= sum;
  }
}

}  // namespace

void router_compute_logits(const float* x, const float* w_gate, int T, int d, int E,
                           float* logits) {
  f32_matmul(x, w_gate, logits, static_cast<size_t>(T), static_cast<size_t>(d),
             static_cast<size_t>(E));
}

void router_compute_probs(const float* logits, int T, int E, float* probs) {
  assert(E >= 1 && "softmax needs at least one expert per row");
  f32_softmax_rows(logits, probs, static_cast<size_t>(T), static_cast<size_t>(E));
}

void router_compute_probs_reference(const float* logits, int T, int E, float* probs) {
  assert(E >= 1 && "softmax needs at least one expert per row");
  softmax_rows_reference(logits, probs, static_cast<size_t>(T), static_cast<size_t>(E));
}
void router_compute_probs_reference(const double* logits, int T, int E, double* probs) {
  assert(E >= 1 && "softmax needs at least one expert per row");
  softmax_rows_reference(logits, probs, static_cast<size_t>(T), static_cast<size_t>(E));
}

void router_compute_sigmoid_scores(const float* logits, int T, int E, float* scores) {
  const size_t n = static_cast<size_t>(T) * E;
  for (size_t i = 0; i < n; ++i) scores[i] = -logits[i];
  f32_exp(scores, scores, n);  // e^-l, vectorised
  for (size_t i = 0; i < n; ++i) scores[i] = 1.0f / (1.0f + scores[i]);
}

void router_compute_sigmoid_scores(const double* logits, int T, int E, double* scores) {
  const size_t n = static_cast<size_t>(T) * E;
  for (size_t i = 0; i < n; ++i) scores[i] = 1.0 / (1.0 + std::exp(-logits[i]));
}

void router_add_selection_bias(const float* scores, const float* bias, int T, int E,
                               float* biased) {
  add_selection_bias(scores, bias, T, E, biased);
}
void router_add_selection_bias(const double* scores, const double* bias, int T, int E,
                               double* biased) {
  add_selection_bias(scores, bias, T, E, biased);
}

void router_select_topk(const float* probs, int T, int E, int k, int32_t* topk_ids) {
  select_topk(probs, T, E, k, topk_ids);
}
void router_select_topk(const double* probs, int T, int E, int k, int32_t* topk_ids) {
  select_topk(probs, T, E, k, topk_ids);
}

void router_mask_selection(const float* scores, const uint8_t* excluded, int T, int E,
                           float* masked) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const size_t n = static_cast<size_t>(T) * E;
  for (size_t i = 0; i < n; ++i) masked[i] = excluded[i] ? neg_inf : scores[i];
}

void router_exclude_top_ranks(const float* scores, int T, int E, int m, uint8_t* excluded) {
  assert(m >= 0 && m <= E && "ranks to exclude must be in [0, E]");
  if (m == 0) return;
  std::vector<int32_t> top(static_cast<size_t>(T) * m);  // [T, m]
  select_topk(scores, T, E, m, top.data());
  for (int t = 0; t < T; ++t) {
    for (int j = 0; j < m; ++j)
      excluded[static_cast<size_t>(t) * E + top[static_cast<size_t>(t) * m + j]] = 1;
  }
}

void router_select_grouped_topk(const float* biased, int T, int E, int n_group, int topk_group,
                                int k, int32_t* topk_ids, float* group_scores,
                                uint8_t* group_kept) {
  assert(n_group >= 1 && E % n_group == 0 && "n_group must divide E");
  const int per_group = E / n_group;
  const int top_in_group = std::min(2, per_group);
  const float neg_inf = -std::numeric_limits<float>::infinity();
  std::vector<float> masked(static_cast<size_t>(E));           // [E]  biased, kept groups only
  std::vector<int32_t> kept(static_cast<size_t>(topk_group));  // [topk_group]
  int32_t best2[2];
  for (int t = 0; t < T; ++t) {
    const float* c = biased + static_cast<size_t>(t) * E;         // [E]
    float* gs = group_scores + static_cast<size_t>(t) * n_group;  // [G]
    uint8_t* gk = group_kept + static_cast<size_t>(t) * n_group;  // [G]
    for (int g = 0; g < n_group; ++g) {
      topk_row(c + g * per_group, per_group, 1, top_in_group, best2);
      gs[g] = 0.0f;
      for (int i = 0; i < top_in_group; ++i) gs[g] += c[g * per_group + best2[i]];
    }
    topk_row(gs, n_group, 1, topk_group, kept.data());
    std::fill(masked.begin(), masked.end(), neg_inf);
    std::fill(gk, gk + n_group, uint8_t{0});
    for (int32_t g : kept) {
      gk[g] = 1;
      std::copy(c + g * per_group, c + (g + 1) * per_group, masked.begin() + g * per_group);
    }
    topk_row(masked.data(), E, 1, k, topk_ids + static_cast<size_t>(t) * k);
  }
}

void router_apply_capacity(const int32_t* topk_ids, int groups, int S, int k, int E, int capacity,
                           uint8_t* kept, int32_t* position) {
  std::vector<int32_t> filled(static_cast<size_t>(E));  // [E]  slots used in the current group
  for (int g = 0; g < groups; ++g) {
    std::fill(filled.begin(), filled.end(), 0);
    for (int j = 0; j < k; ++j) {  // all first choices, then all second choices, ...
      for (int s = 0; s < S; ++s) {
        const size_t p = (static_cast<size_t>(g) * S + s) * k + j;
        const size_t e = static_cast<size_t>(topk_ids[p]);
        const bool placed = filled[e] < capacity;
        kept[p] = placed ? 1 : 0;
        if (position) position[p] = placed ? filled[e] : -1;
        filled[e] += placed ? 1 : 0;
      }
    }
  }
}

void router_select_expert_choice(const float* probs, int S, int E, int C, int32_t* expert_tokens) {
  select_expert_choice(probs, S, E, C, expert_tokens);
}
void router_select_expert_choice(const double* probs, int S, int E, int C, int32_t* expert_tokens) {
  select_expert_choice(probs, S, E, C, expert_tokens);
}

void router_gather_weights(const float* probs, const int32_t* topk_ids, int T, int E, int k,
                           float* topk_weights) {
  gather_weights(probs, topk_ids, T, E, k, topk_weights);
}
void router_gather_weights(const double* probs, const int32_t* topk_ids, int T, int E, int k,
                           double* topk_weights) {
  gather_weights(probs, topk_ids, T, E, k, topk_weights);
}

void router_renormalise(float* topk_weights, int T, int k) {
  renormalise(topk_weights, T, k, 0.0f);
}
void router_renormalise(float* topk_weights, int T, int k, float epsilon) {
  renormalise(topk_weights, T, k, epsilon);
}
void router_renormalise(double* topk_weights, int T, int k) {
  renormalise(topk_weights, T, k, 0.0);
}

void router_scale(float* topk_weights, int T, int k, float factor) {
  for (size_t i = 0; i < static_cast<size_t>(T) * k; ++i) topk_weights[i] *= factor;
}

void router_count_load(const int32_t* topk_ids, int T, int k, int E, int32_t* expert_load) {
  for (int e = 0; e < E; ++e) expert_load[e] = 0;
  for (size_t tj = 0; tj < static_cast<size_t>(T) * k; ++tj) ++expert_load[topk_ids[tj]];
}

}  // namespace moe

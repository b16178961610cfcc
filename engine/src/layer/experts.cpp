#include "moe/layer/experts.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>

#include "moe/kernels/kernels.hpp"
#include "moe/kernels/packed_weights.hpp"
#include "moe/kernels/thread_pool.hpp"

namespace moe {

namespace {

// Below this many multiply-adds per matrix (pairs · d · f) waking a second thread costs more
// than it saves.
constexpr size_t kMinParallelMacs = size_t{1} << 20;

}  // namespace

std::vector<int> experts_busiest_first(const std::vector<int32_t>& offsets) {
  const int E = static_cast<int>(offsets.size()) - 1;
  auto rows = [&](int e) {
    return offsets[static_cast<size_t>(e) + 1] - offsets[static_cast<size_t>(e)];
  };
  std::vector<int> order;  // [experts with rows]
  for (int e = 0; e < E; ++e) {
    if (rows(e) > 0) order.push_back(e);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return rows(a) > rows(b); });
  return order;
}

void experts_group_tokens(const int32_t* topk_ids, int T, int k, int E, ExpertDispatch& dispatch) {
  experts_group_kept(topk_ids, nullptr, T, k, E, dispatch);
}

void experts_group_kept(const int32_t* topk_ids, const uint8_t* kept, int T, int s, int E,
                        ExpertDispatch& dispatch) {
  const size_t n_pairs = static_cast<size_t>(T) * s;
  dispatch.slots = s;
  dispatch.offsets.assign(static_cast<size_t>(E) + 1, 0);
  for (size_t p = 0; p < n_pairs; ++p) {
    if (kept == nullptr || kept[p]) ++dispatch.offsets[static_cast<size_t>(topk_ids[p]) + 1];
  }
  for (int e = 0; e < E; ++e) dispatch.offsets[e + 1] += dispatch.offsets[e];
  dispatch.pairs.resize(static_cast<size_t>(dispatch.offsets[static_cast<size_t>(E)]));
  std::vector<int32_t> cursor(dispatch.offsets.begin(), dispatch.offsets.end() - 1);  // [E]
  for (size_t p = 0; p < n_pairs; ++p) {
    if (kept != nullptr && !kept[p]) continue;
    dispatch.pairs[static_cast<size_t>(cursor[topk_ids[p]]++)] = static_cast<int32_t>(p);
  }
}

void expert_ffn_forward(const ExpertWeights& w, const LayerConfig& c, const float* x, int n,
                        float* hidden, float* up, float* y) {
  const size_t rows = static_cast<size_t>(n), d = static_cast<size_t>(c.d_model),
               f = static_cast<size_t>(c.d_ff);
  f32_matmul(x, w.w1.data(), hidden, rows, d, f);  // hidden = x · w1ᵀ   [n, f]
  if (c.expert_kind == ExpertKind::swiglu) {
    f32_matmul(x, w.w3.data(), up, rows, d, f);  // up = x · w3ᵀ   [n, f]
  }
  expert_activation(c, hidden, up, rows * f);
  f32_matmul(hidden, w.w2.data(), y, rows, f, d);  // y = hidden · w2ᵀ   [n, d]
}

void expert_activation(const LayerConfig& c, float* hidden, const float* up, size_t n) {
  if (c.expert_kind == ExpertKind::swiglu) {
    f32_swiglu(hidden, up, hidden, n);  // hidden = silu(hidden) ⊙ up
  } else if (c.activation == Activation::relu) {
    f32_relu(hidden, hidden, n);
  } else if (c.activation == Activation::gelu) {
    f32_gelu(hidden, hidden, n);
  } else {
    f32_silu(hidden, hidden, n);
  }
}

void experts_forward(const LayerWeights& weights, const LayerConfig& c, const float* x, int T,
                     const ExpertDispatch& dispatch, ExpertWorkspace& ws, float* expert_outputs,
                     const PackedExpert* packed) {
  const size_t d = static_cast<size_t>(c.d_model), f = static_cast<size_t>(c.d_ff);
  const size_t n_pairs = dispatch.pairs.size();
  const size_t slots = static_cast<size_t>(dispatch.slots);
  assert(n_pairs <= static_cast<size_t>(T) * slots && "dispatch must come from the same topk_ids");
  (void)T;
  ws.x_grouped.resize(n_pairs * d);
  ws.hidden.resize(n_pairs * f);
  ws.up.resize(c.expert_kind == ExpertKind::swiglu ? n_pairs * f : 0);
  ws.y_grouped.resize(n_pairs * d);

  // One expert's whole FFN: its rows of x_grouped, hidden, up and y_grouped and its (t, j) slots
  // of expert_outputs belong to it alone, so experts can run on different threads.
  auto run_expert = [&](int e) {
    const size_t begin = static_cast<size_t>(dispatch.offsets[e]);
    const size_t n = static_cast<size_t>(dispatch.offsets[e + 1]) - begin;
    if (n == 0) return;               // an unchosen expert does no work
    for (size_t r = 0; r < n; ++r) {  // gather: x_grouped[begin + r] = x[t]
      const size_t t = static_cast<size_t>(dispatch.pairs[begin + r]) / slots;
      f32_copy(x + t * d, ws.x_grouped.data() + (begin + r) * d, d);
    }
    float* up = ws.up.empty() ? nullptr : ws.up.data() + begin * f;
    if (packed != nullptr) {
      expert_ffn_forward_packed(weights.experts[static_cast<size_t>(e)], packed[e], c,
                                ws.x_grouped.data() + begin * d, static_cast<int>(n),
                                ws.hidden.data() + begin * f, up, ws.y_grouped.data() + begin * d);
    } else {
      expert_ffn_forward(weights.experts[static_cast<size_t>(e)], c,
                         ws.x_grouped.data() + begin * d, static_cast<int>(n),
                         ws.hidden.data() + begin * f, up, ws.y_grouped.data() + begin * d);
    }
    for (size_t r = 0; r < n; ++r) {  // scatter: expert_outputs[t, j] = y_grouped[begin + r]
      const size_t tj = static_cast<size_t>(dispatch.pairs[begin + r]);
      f32_copy(ws.y_grouped.data() + (begin + r) * d, expert_outputs + tj * d, d);
    }
  };

  const int threads = std::min(thread_count(), c.num_experts);
  if (threads <= 1 || n_pairs * d * f < kMinParallelMacs) {
    for (int e = 0; e < c.num_experts; ++e) run_expert(e);
    return;
  }
  // Whole experts per thread, so each output is computed exactly as with one thread. Each thread
  // takes the next expert, busiest first, when it is free: a core slowed by other work (another
  // tab, another VM) ends up with fewer experts instead of holding the others up.
  const std::vector<int> order = experts_busiest_first(dispatch.offsets);
  std::atomic<size_t> next{0};
  thread_pool_run(threads, [&](int) {
    for (size_t i = next++; i < order.size(); i = next++) run_expert(order[i]);
  });
}

void moe_combine(const float* topk_weights, const float* expert_outputs, int T, int k, int d,
                 float* output) {
  const size_t dd = static_cast<size_t>(d);
  std::fill_n(output, static_cast<size_t>(T) * dd, 0.0f);
  for (size_t t = 0; t < static_cast<size_t>(T); ++t) {
    for (size_t j = 0; j < static_cast<size_t>(k); ++j) {
      const size_t tj = t * k + j;
      f32_axpy(topk_weights[tj], expert_outputs + tj * dd, output + t * dd, dd);
    }
  }
}

}  // namespace moe

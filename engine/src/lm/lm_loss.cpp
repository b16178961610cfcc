#include "moe/lm/lm_loss.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "train/linalg.hpp"

namespace moe::lm {
namespace {

// log Σ_v exp(row[v]), shifted by the row's maximum so no exp overflows.
template <class Real>
double log_sum_exp(const Real* row, int V) {
  double top = row[0];
  for (int v = 1; v < V; ++v) top = std::max(top, static_cast<double>(row[v]));
  double sum = 0;
  for (int v = 0; v < V; ++v) sum += std::exp(static_cast<double>(row[v]) - top);
  return top + std::log(sum);
}

// Training's hot loop (float logits with the gradient): row's NLL of `target`, and its gradient
// (softmax − one-hot) / counted written into drow [V]. The double path below takes two scalar exps
// per entry; here linalg::shifted_exp writes e = exp(row − top) into drow once, and drow is scaled
// in place.
double nll_and_gradient(const float* row, int V, int32_t target, float* drow, int counted) {
  const train::linalg::ShiftedExp e = train::linalg::shifted_exp(row, drow, static_cast<size_t>(V));
  const float scale = static_cast<float>(1.0 / (e.sum * counted));
  for (int v = 0; v < V; ++v) drow[v] *= scale;
  drow[target] -= static_cast<float>(1.0 / counted);
  return std::log(e.sum) - (static_cast<double>(row[target]) - e.top);
}

}  // namespace

template <class Real>
double token_nll(const Real* logits_row, int V, int32_t target) {
  return log_sum_exp(logits_row, V) - static_cast<double>(logits_row[target]);
}

template <class Real>
double next_token_loss(const Real* logits, int N, int V, const int32_t* targets, Real* dlogits) {
  int counted = 0;
  for (int n = 0; n < N; ++n) counted += targets[n] != kIgnoreTarget;
  double total = 0;
  for (int n = 0; n < N; ++n) {
    const Real* row = logits + static_cast<size_t>(n) * V;
    Real* drow = dlogits ? dlogits + static_cast<size_t>(n) * V : nullptr;
    if (targets[n] == kIgnoreTarget) {
      if (drow) std::fill(drow, drow + V, Real(0));
      continue;
    }
    if constexpr (std::is_same_v<Real, float>) {
      if (drow) {
        total += nll_and_gradient(row, V, targets[n], drow, counted);
        continue;
      }
    }
    const double lse = log_sum_exp(row, V);
    total += lse - static_cast<double>(row[targets[n]]);
    if (!drow) continue;
    for (int v = 0; v < V; ++v) {
      drow[v] = static_cast<Real>(std::exp(static_cast<double>(row[v]) - lse) / counted);
    }
    drow[targets[n]] -= static_cast<Real>(1.0 / counted);
  }
  return counted ? total / counted : 0.0;
}

template double token_nll<float>(const float*, int, int32_t);
template double token_nll<double>(const double*, int, int32_t);
template double next_token_loss<float>(const float*, int, int, const int32_t*, float*);
template double next_token_loss<double>(const double*, int, int, const int32_t*, double*);

}  // namespace moe::lm

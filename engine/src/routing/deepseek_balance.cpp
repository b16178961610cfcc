#include "moe/routing/deepseek_balance.hpp"

#include <algorithm>
#include <cmath>

#include "routing/validate.hpp"

namespace moe::routing {

using namespace detail;

BiasUpdate loss_free_bias_update(std::span<const float> bias, std::span<const float> expert_load,
                                 float gamma) {
  BiasUpdate r;
  r.error = first_error(
      {check_range("bias.size", static_cast<int64_t>(bias.size()), 1, kMaxCols),
       check_size("expert_load", expert_load.size(), static_cast<int64_t>(bias.size()), "experts"),
       check_finite("bias", bias), check_finite("expert_load", expert_load)});
  if (r.ok() && !(std::isfinite(gamma) && gamma >= 0.0f)) {
    r.error = "gamma: must be a finite number >= 0, got " + std::to_string(gamma);
  }
  if (!r.ok()) return r;
  const size_t experts = bias.size();
  double sum = 0.0;
  for (float load : expert_load) sum += load;
  const double mean = sum / static_cast<double>(experts);
  r.mean_load = static_cast<float>(mean);
  r.bias.resize(experts);   // [E]
  r.delta.resize(experts);  // [E]
  for (size_t e = 0; e < experts; ++e) {
    const double gap = mean - expert_load[e];
    const float sign = gap > 0.0 ? 1.0f : (gap < 0.0 ? -1.0f : 0.0f);
    r.delta[e] = gamma * sign;
    r.bias[e] = bias[e] + r.delta[e];
  }
  return r;
}

SequenceBalanceLoss deepseek_sequence_balance_loss(std::span<const float> scores,
                                                   std::span<const int32_t> topk_ids, int sequences,
                                                   int seq_len, int experts, int k) {
  SequenceBalanceLoss r;
  const int64_t tokens = int64_t{sequences} * seq_len;
  r.error =
      first_error({check_range("sequences", sequences, 1, kMaxRows),
                   check_range("seq_len", seq_len, 1, kMaxRows),
                   check_matrix("scores", scores, "sequences·seq_len", tokens, "experts", experts),
                   check_range("k", k, 1, experts),
                   check_size("topk_ids", topk_ids.size(), tokens * k, "sequences·seq_len·k")});
  if (r.ok()) r.error = check_finite("scores", scores);
  for (size_t i = 0; r.ok() && i < topk_ids.size(); ++i) {
    if (topk_ids[i] < 0 || topk_ids[i] >= experts) {
      r.error = "topk_ids[" + std::to_string(i) + "]: must be between 0 and " +
                std::to_string(experts - 1) + ", got " + std::to_string(topk_ids[i]);
    }
  }
  for (size_t i = 0; r.ok() && i < scores.size(); ++i) {
    if (scores[i] < 0.0f) r.error = "scores[" + std::to_string(i) + "]: must be >= 0";
  }
  if (!r.ok()) return r;

  r.per_sequence.resize(sequences);            // [B]
  std::vector<double> f(experts), p(experts);  // [E], [E]
  double total = 0.0;
  for (int b = 0; b < sequences; ++b) {
    std::fill(f.begin(), f.end(), 0.0);
    std::fill(p.begin(), p.end(), 0.0);
    for (int s = 0; s < seq_len; ++s) {
      const int64_t t = int64_t{b} * seq_len + s;
      for (int i = 0; i < k; ++i) f[topk_ids[t * k + i]] += 1.0;
      double row_sum = 0.0;
      for (int e = 0; e < experts; ++e) row_sum += scores[t * experts + e];
      if (row_sum <= 0.0) continue;  // all-zero affinities contribute nothing to P
      for (int e = 0; e < experts; ++e) p[e] += scores[t * experts + e] / row_sum;
    }
    double loss = 0.0;
    for (int e = 0; e < experts; ++e) {
      loss += (f[e] * experts / (static_cast<double>(k) * seq_len)) * (p[e] / seq_len);
    }
    r.per_sequence[b] = static_cast<float>(loss);
    total += loss;
  }
  r.value = static_cast<float>(total / sequences);
  return r;
}

}  // namespace moe::routing

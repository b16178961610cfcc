#include "moe/routing/losses.hpp"

#include <cmath>

#include "moe/routing/math.hpp"
#include "moe/routing/router.hpp"
#include "routing/validate.hpp"

namespace moe::routing {

using namespace detail;

LossValue router_z_loss(std::span<const float> logits, int tokens, int experts) {
  LossValue r;
  r.error = first_error({check_matrix("logits", logits, "tokens", tokens, "experts", experts)});
  if (r.ok()) r.error = check_finite("logits", logits);
  if (!r.ok()) return r;
  double sum = 0.0;
  for (int t = 0; t < tokens; ++t) {
    const double lse = logsumexp_row(&logits[static_cast<size_t>(t) * experts], experts);
    sum += lse * lse;
  }
  r.value = static_cast<float>(sum / tokens);
  return r;
}

namespace {

std::string check_probs_and_index(std::span<const float> probs,
                                  std::span<const int32_t> expert_index, int64_t tokens,
                                  int experts) {
  std::string e = first_error(
      {check_range("experts", experts, 1, kMaxCols), check_cells("probs", tokens, experts),
       check_size("probs", probs.size(), tokens * experts, "tokens·experts"),
       check_size("expert_index", expert_index.size(), tokens, "tokens")});
  if (!e.empty()) return e;
  for (size_t t = 0; t < expert_index.size(); ++t) {
    if (expert_index[t] < 0 || expert_index[t] >= experts) {
      return "expert_index[" + std::to_string(t) + "]: must be between 0 and " +
             std::to_string(experts - 1) + ", got " + std::to_string(expert_index[t]);
    }
  }
  return check_finite("probs", probs);
}

// E · Σ_e f_e · P_e over tokens [begin, begin + count).
double balance_term(std::span<const float> probs, std::span<const int32_t> expert_index,
                    int64_t begin, int64_t count, int experts) {
  std::vector<double> f(experts, 0.0), p(experts, 0.0);  // [E], [E]
  for (int64_t t = begin; t < begin + count; ++t) {
    f[expert_index[t]] += 1.0;
    for (int e = 0; e < experts; ++e) p[e] += probs[t * experts + e];
  }
  double sum = 0.0;
  for (int e = 0; e < experts; ++e) sum += (f[e] / count) * (p[e] / count);
  return experts * sum;
}

}  // namespace

LossValue switch_load_balancing_loss(std::span<const float> probs,
                                     std::span<const int32_t> expert_index, int groups,
                                     int tokens_per_group, int experts) {
  LossValue r;
  r.error = first_error(
      {check_range("groups", groups, 1, kMaxRows),
       check_range("tokens_per_group", tokens_per_group, 1, kMaxRows),
       check_range("groups·tokens_per_group", int64_t{groups} * tokens_per_group, 1, kMaxRows)});
  if (r.ok()) {
    r.error =
        check_probs_and_index(probs, expert_index, int64_t{groups} * tokens_per_group, experts);
  }
  if (!r.ok()) return r;
  double sum = 0.0;
  for (int g = 0; g < groups; ++g) {
    sum +=
        balance_term(probs, expert_index, int64_t{g} * tokens_per_group, tokens_per_group, experts);
  }
  r.value = static_cast<float>(sum / groups);
  return r;
}

LossValue switch_load_balancing_loss_global(std::span<const float> probs,
                                            std::span<const int32_t> expert_index, int tokens,
                                            int experts) {
  LossValue r;
  r.error = check_range("tokens", tokens, 1, kMaxRows);
  if (r.ok()) r.error = check_probs_and_index(probs, expert_index, tokens, experts);
  if (!r.ok()) return r;
  r.value = static_cast<float>(balance_term(probs, expert_index, 0, tokens, experts));
  return r;
}

LoadBalancingLoss mixtral_load_balancing_loss(std::span<const float> gate_logits, int rows,
                                              int experts, int k,
                                              std::span<const uint8_t> attention_mask, int batch,
                                              int seq_len) {
  LoadBalancingLoss r;
  r.error = first_error({check_matrix("gate_logits", gate_logits, "rows", rows, "experts", experts),
                         check_range("k", k, 1, experts)});
  const bool masked = !attention_mask.empty();
  if (r.ok() && masked) {
    r.error = first_error({check_range("batch", batch, 1, kMaxRows),
                           check_range("seq_len", seq_len, 1, kMaxRows),
                           check_size("attention_mask", attention_mask.size(),
                                      int64_t{batch} * seq_len, "batch·seq_len")});
    if (r.ok() && rows % (int64_t{batch} * seq_len) != 0) {
      r.error = "rows: must be a multiple of batch·seq_len = " +
                std::to_string(int64_t{batch} * seq_len) + " (layers concatenated), got " +
                std::to_string(rows);
    }
  }
  if (r.ok()) r.error = check_finite("gate_logits", gate_logits);
  if (!r.ok()) return r;

  std::vector<double> f(static_cast<size_t>(k) * experts, 0.0);  // [k, E]
  std::vector<double> p(experts, 0.0);                           // [E]
  std::vector<float> probs(experts);                             // [E]  one row
  std::vector<int32_t> ids(k);                                   // [k]  one row
  double kept_rows = 0.0;
  for (int n = 0; n < rows; ++n) {
    // Row n = l·B·S + b·S + s, so its mask entry is mask[n mod (B·S)].
    const bool keep = !masked || attention_mask[n % (static_cast<size_t>(batch) * seq_len)] != 0;
    if (!keep) continue;
    kept_rows += 1.0;
    router_compute_probs(&gate_logits[static_cast<size_t>(n) * experts], 1, experts, probs.data());
    router_select_topk(probs.data(), 1, experts, k, ids.data());
    for (int i = 0; i < k; ++i) f[static_cast<size_t>(i) * experts + ids[i]] += 1.0;
    for (int e = 0; e < experts; ++e) p[e] += probs[e];
  }
  if (kept_rows == 0.0) {
    r.error = "attention_mask: must keep at least one token, got all zeros";
    return r;
  }
  double sum = 0.0;
  r.tokens_per_expert.resize(f.size());
  r.router_prob_per_expert.resize(experts);
  for (int e = 0; e < experts; ++e) r.router_prob_per_expert[e] = p[e] / kept_rows;
  for (int i = 0; i < k; ++i) {
    for (int e = 0; e < experts; ++e) {
      const double fie = f[static_cast<size_t>(i) * experts + e] / kept_rows;
      r.tokens_per_expert[static_cast<size_t>(i) * experts + e] = static_cast<float>(fie);
      sum += fie * (p[e] / kept_rows);
    }
  }
  r.value = static_cast<float>(experts * sum);
  return r;
}

}  // namespace moe::routing

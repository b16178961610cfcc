// Router losses and routing statistics of one forward pass, from the trace the routing stage
// filled. T tokens, E experts, s slots per token, groups G of S tokens.
#pragma once

#include "moe/layer/trace.hpp"
#include "moe/result.hpp"
#include "moe/routing/route_tokens.hpp"
#include "moe/spec/config.hpp"

namespace moe {

// With p = router_probs [T, E], ids = topk_ids [T, s], idx[t] = the first-choice expert
// (Switch: expert_index_returned, S3), every loss raw (moe::routing, losses.hpp):
//   z_loss                 = (1/T) Σ_t logsumexp(logits[t,·])²                          (S6)
//   aux_loss_switch        = (1/G) Σ_g E · Σ_e f[g,e] · P[g,e] on idx                  (S5)
//   aux_loss_switch_pre_capacity / _global: the same on ids[t,0]; the global one over all T
//   aux_loss_mixtral       = E · Σ_j Σ_e f[j,e] · P[e], one fraction per slot j          (M1)
//   importance_cv2         = CV²(Σ_t combine[t,·] per expert)   load_cv2 = CV²(counts_before)
//   (noisy_topk keeps its own importance / smooth-load values, DeepSeek-V3 its sequence loss)
//   aux_loss               = the kind's convention: M1 for softmax_topk(_renorm); S5 for
//     softmax_top1_capacity and topk_capacity (first choice, GShard's c_e); importance_cv2 +
//     load_cv2 for noisy_topk; seq_balance_loss for sigmoid_grouped_topk_bias; 0 for
//     expert_choice and soft_moe (balanced by construction).
// Stats (routing_stats.hpp): f_i = counts_before / (T·s), P_i = mean_t p[t,i], entropy, load CV,
// max/mean load, dropped_count = Σ_t dropped[t].
Result<bool> fill_losses_and_stats(const LayerConfig& c, const CapacityGroups& g, Trace& tr);

}  // namespace moe

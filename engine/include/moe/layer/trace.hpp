// The named intermediates of one MoE forward pass, in the order the layer computes them. This is
// what a lesson shows; web/src/engine/types.ts `Trace` mirrors it field by field (visit_fields,
// below, is the one field list both sides are checked against).
//
// T tokens, d = d_model, E experts, k = top_k, s = slots per token (k; E for expert_choice, where
// slot j is expert j; the E·p slots for soft_moe), R = router rows (E; E·p for soft_moe).
#pragma once

#include <cstdint>
#include <vector>

namespace moe {

// Router losses of the pass, raw (no coefficient). Every kind fills the ones that apply to it
// and leaves the rest 0 (engine/README.md, "Router kinds").
struct TraceLosses {
  float aux_loss = 0.0f;                      // the kind's own convention (README table)
  float aux_loss_switch = 0.0f;               // S5: per group, on the returned / first-choice index
  float aux_loss_switch_pre_capacity = 0.0f;  // S5 on the router's pre-capacity choice
  float aux_loss_switch_global = 0.0f;        // textbook E·Σ f_e P_e over the whole batch
  float aux_loss_mixtral = 0.0f;              // M1: per-slot fractions (≈ k when uniform)
  float z_loss = 0.0f;                        // S6: mean_t logsumexp(logits[t])²
  float importance_cv2 = 0.0f;                // CV² of Σ_t gate[t,e]
  float load_cv2 = 0.0f;                      // CV² of the load (noisy_topk: the smooth estimate)
  float seq_balance_loss = 0.0f;              // DeepSeek-V3 sequence-wise loss, mean over sequences
};

// How evenly the router spread the tokens (routing::routing_stats).
struct TraceStats {
  std::vector<float> f_i;      // [E]  counts_before_capacity[e] / (T·s)
  std::vector<float> P_i;      // [E]  mean router probability (sigmoid score for DeepSeek-V3)
  float entropy = 0.0f;        // nats, mean over tokens of -Σ_e p ln p
  float load_cv = 0.0f;        // CV of counts_before_capacity
  float max_over_mean = 0.0f;  // max_e counts_before / mean_e counts_before
  int dropped_count = 0;       // tokens whose every slot was dropped (= Σ_t dropped[t])
};

struct Trace {
  int tokens = 0;               // T
  int d_model = 0;              // d
  int num_experts = 0;          // E
  int top_k = 0;                // k (config)
  int slots = 0;                // s, columns of topk_ids / topk_weights / kept
  int groups = 0;               // capacity groups G (T = G·S); 1 without capacity
  int capacity = -1;            // tokens per expert and group; -1 = no capacity
  bool residual_added = false;  // Switch add_residual: dropped tokens output x (S2)

  std::vector<float> router_logits;    // [T, R]  x · W_gᵀ (+ router_bias)
  std::vector<float> noisy_logits;     // [T, E]  noisy_topk: H = logits + z · softplus(noise)
  std::vector<float> router_probs;     // [T, E]  softmax over all E (DeepSeek-V3: sigmoid scores)
  std::vector<int32_t> topk_ids;       // [T, s]  chosen experts, descending, ties to lower index
  std::vector<float> topk_weights;     // [T, s]  gates the router gives (Switch: also dropped)
  std::vector<uint8_t> kept;           // [T, s]  1 = the expert ran on this (token, slot)
  std::vector<float> combine_weights;  // [T, s]  gates applied: topk_weights, or 0 if dropped
  std::vector<uint8_t> dropped;        // [T]     1 = no slot of the token ran (capacity, EC)
  std::vector<int32_t> expert_index_returned;   // [T]  Switch: index, or 0 if dropped (S3)
  std::vector<int32_t> counts_before_capacity;  // [E]  (token, slot) pairs the router asked for
  std::vector<int32_t> counts_after_capacity;   // [E]  pairs the experts processed
  std::vector<float> expert_outputs;        // [T, s, d]  expert output per slot, before its gate
  std::vector<float> dispatch_weights;      // [T, R]  soft_moe: softmax over tokens (columns sum 1)
  std::vector<float> slot_inputs;           // [R, d]  soft_moe: Σ_t D[t,s] · x_t
  std::vector<float> slot_outputs;          // [R, d]  soft_moe: expert s/p applied to slot s
  std::vector<float> shared_expert_output;  // [T, d]  shared MLP(x), before any gate
  std::vector<float> shared_expert_gate_logit;  // [T]     Qwen2-MoE: w_g · x
  std::vector<float> output;         // [T, d]  Σ_j combine[t,j] · expert_outputs[t,j] + shared
  std::vector<int32_t> expert_load;  // [E]     = counts_after_capacity
  float aux_loss = 0.0f;             // []      = losses.aux_loss
  float fraction_unrouted = 0.0f;    // expert_choice: tokens no expert took / T
  TraceLosses losses;
  TraceStats stats;
};

// The field list of a trace, declared once: visit_fields(x, v) calls v(name, value) for every
// field of x in declaration order. The wasm binding converts a trace to JS with it
// (engine/wasm/bindings.cpp), and tests/web/trace-fields.test.ts holds web/src/engine/types.ts
// `Trace`, `TraceLosses` and `RoutingStats` against these names.
template <class Visit>
void visit_fields(const TraceLosses& l, Visit&& v) {
  v("aux_loss", l.aux_loss);
  v("aux_loss_switch", l.aux_loss_switch);
  v("aux_loss_switch_pre_capacity", l.aux_loss_switch_pre_capacity);
  v("aux_loss_switch_global", l.aux_loss_switch_global);
  v("aux_loss_mixtral", l.aux_loss_mixtral);
  v("z_loss", l.z_loss);
  v("importance_cv2", l.importance_cv2);
  v("load_cv2", l.load_cv2);
  v("seq_balance_loss", l.seq_balance_loss);
}

template <class Visit>
void visit_fields(const TraceStats& s, Visit&& v) {
  v("f_i", s.f_i);
  v("P_i", s.P_i);
  v("entropy", s.entropy);
  v("load_cv", s.load_cv);
  v("max_over_mean", s.max_over_mean);
  v("dropped_count", s.dropped_count);
}

template <class Visit>
void visit_fields(const Trace& t, Visit&& v) {
  v("tokens", t.tokens);
  v("d_model", t.d_model);
  v("num_experts", t.num_experts);
  v("top_k", t.top_k);
  v("slots", t.slots);
  v("groups", t.groups);
  v("capacity", t.capacity);
  v("residual_added", t.residual_added);
  v("router_logits", t.router_logits);
  v("noisy_logits", t.noisy_logits);
  v("router_probs", t.router_probs);
  v("topk_ids", t.topk_ids);
  v("topk_weights", t.topk_weights);
  v("kept", t.kept);
  v("combine_weights", t.combine_weights);
  v("dropped", t.dropped);
  v("expert_index_returned", t.expert_index_returned);
  v("counts_before_capacity", t.counts_before_capacity);
  v("counts_after_capacity", t.counts_after_capacity);
  v("expert_outputs", t.expert_outputs);
  v("dispatch_weights", t.dispatch_weights);
  v("slot_inputs", t.slot_inputs);
  v("slot_outputs", t.slot_outputs);
  v("shared_expert_output", t.shared_expert_output);
  v("shared_expert_gate_logit", t.shared_expert_gate_logit);
  v("output", t.output);
  v("expert_load", t.expert_load);
  v("aux_loss", t.aux_loss);
  v("fraction_unrouted", t.fraction_unrouted);
  v("losses", t.losses);
  v("stats", t.stats);
}

}  // namespace moe

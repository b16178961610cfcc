// Qwen2-MoE's shared-expert gate: a per-token sigmoid scale on the always-on shared expert (Q1).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace moe::routing {

struct SharedExpertGate {
  std::string error;        // "" on success
  std::vector<float> gate;  // [T]  sigmoid(gate_logit[t])
  bool ok() const { return error.empty(); }
};

// gate[t] = sigmoid(g[t]), with g[t] = w_gate · x_t (shared_expert_gate, [1, d], computed by the
// caller). The layer then adds gate[t] · shared_expert(x_t) to the routed output.
// gate_logits: [T].
SharedExpertGate shared_expert_gate(std::span<const float> gate_logits);

// out[t,j] += sigmoid(g[t]) · shared[t,j]   for the Qwen2-MoE block output.
// gate_logits: [T], shared_output: [T, d], out: [T, d]. Returns "" or `field: reason`.
std::string shared_expert_gate_apply(std::span<const float> gate_logits,
                                     std::span<const float> shared_output, int tokens, int d_model,
                                     std::span<float> out);

}  // namespace moe::routing

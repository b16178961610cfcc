#include "moe/layer/soft_moe_shared_residual.hpp"

#include <algorithm>
#include <span>

#include "moe/kernels/kernels.hpp"
#include "moe/routing/router.hpp"
#include "moe/routing/shared_expert_gate.hpp"

namespace moe {

void soft_moe_experts(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                      ExpertWorkspace& ws, Trace& tr) {
  const size_t d = static_cast<size_t>(c.d_model), f = static_cast<size_t>(c.d_ff);
  const int p = c.slots_per_expert, S = c.num_experts * p;
  tr.slot_inputs.assign(static_cast<size_t>(S) * d, 0.0f);  // [S, d]
  tr.slot_outputs.resize(static_cast<size_t>(S) * d);       // [S, d]
  for (size_t t = 0; t < static_cast<size_t>(T); ++t) {
    for (size_t s = 0; s < static_cast<size_t>(S); ++s) {
      f32_axpy(tr.dispatch_weights[t * S + s], x + t * d, tr.slot_inputs.data() + s * d, d);
    }
  }
  ws.hidden.resize(static_cast<size_t>(p) * f);                                        // [p, f]
  ws.up.resize(c.expert_kind == ExpertKind::swiglu ? static_cast<size_t>(p) * f : 0);  // [p, f]
  for (int e = 0; e < c.num_experts; ++e) {
    const size_t first = static_cast<size_t>(e) * p * d;
    expert_ffn_forward(w.experts[static_cast<size_t>(e)], c, tr.slot_inputs.data() + first, p,
                       ws.hidden.data(), ws.up.empty() ? nullptr : ws.up.data(),
                       tr.slot_outputs.data() + first);
  }
  tr.output.assign(static_cast<size_t>(T) * d, 0.0f);
  for (size_t t = 0; t < static_cast<size_t>(T); ++t) {
    for (size_t s = 0; s < static_cast<size_t>(S); ++s) {
      f32_axpy(tr.combine_weights[t * S + s], tr.slot_outputs.data() + s * d,
               tr.output.data() + t * d, d);
    }
  }
}

void shared_expert_add(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                       ExpertWorkspace& ws, Trace& tr) {
  tr.shared_expert_output.clear();
  tr.shared_expert_gate_logit.clear();
  if (c.shared_expert_d_ff <= 0) return;
  LayerConfig shared = c;  // the shared MLP: same kind, its own width
  shared.d_ff = c.shared_expert_d_ff;
  const size_t n = static_cast<size_t>(T), d = static_cast<size_t>(c.d_model),
               f = static_cast<size_t>(shared.d_ff);
  ws.hidden.resize(n * f);                                        // [T, sf]
  ws.up.resize(c.expert_kind == ExpertKind::swiglu ? n * f : 0);  // [T, sf]
  tr.shared_expert_output.resize(n * d);                          // [T, d]
  expert_ffn_forward(w.shared_expert, shared, x, T, ws.hidden.data(),
                     ws.up.empty() ? nullptr : ws.up.data(), tr.shared_expert_output.data());
  if (!c.shared_expert_gated) {
    for (size_t i = 0; i < n * d; ++i) tr.output[i] += tr.shared_expert_output[i];
    return;
  }
  tr.shared_expert_gate_logit.resize(n);  // [T]
  router_compute_logits(x, w.shared_expert_gate.data(), T, c.d_model, 1,
                        tr.shared_expert_gate_logit.data());
  routing::shared_expert_gate_apply(tr.shared_expert_gate_logit, tr.shared_expert_output, T,
                                    c.d_model, tr.output);
}

void add_residual_for_dropped(const float* x, int T, int d, Trace& tr) {
  const size_t dd = static_cast<size_t>(d);
  for (size_t t = 0; t < static_cast<size_t>(T); ++t) {
    if (tr.dropped[t]) f32_axpy(1.0f, x + t * dd, tr.output.data() + t * dd, dd);
  }
  tr.residual_added = true;
}

}  // namespace moe

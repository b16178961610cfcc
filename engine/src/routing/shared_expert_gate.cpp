#include "moe/routing/shared_expert_gate.hpp"

#include "moe/routing/math.hpp"
#include "routing/validate.hpp"

namespace moe::routing {

using namespace detail;

SharedExpertGate shared_expert_gate(std::span<const float> gate_logits) {
  SharedExpertGate r;
  r.error = check_range("gate_logits.size", static_cast<int64_t>(gate_logits.size()), 1, kMaxRows);
  if (r.ok()) r.error = check_finite("gate_logits", gate_logits);
  if (!r.ok()) return r;
  r.gate.resize(gate_logits.size());  // [T]
  for (size_t t = 0; t < gate_logits.size(); ++t) r.gate[t] = sigmoid(gate_logits[t]);
  return r;
}

std::string shared_expert_gate_apply(std::span<const float> gate_logits,
                                     std::span<const float> shared_output, int tokens, int d_model,
                                     std::span<float> out) {
  const int64_t cells = int64_t{tokens} * d_model;
  std::string error = first_error(
      {check_range("tokens", tokens, 1, kMaxRows), check_range("d_model", d_model, 1, kMaxCols),
       check_size("gate_logits", gate_logits.size(), tokens, "tokens"),
       check_size("shared_output", shared_output.size(), cells, "tokens·d_model"),
       check_size("out", out.size(), cells, "tokens·d_model"),
       check_finite("gate_logits", gate_logits)});
  if (!error.empty()) return error;
  for (int t = 0; t < tokens; ++t) {
    const float g = sigmoid(gate_logits[t]);
    for (int j = 0; j < d_model; ++j)
      out[int64_t{t} * d_model + j] += g * shared_output[int64_t{t} * d_model + j];
  }
  return "";
}

}  // namespace moe::routing

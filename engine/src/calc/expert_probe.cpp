#include "moe/calc/expert_probe.hpp"

#include <cmath>
#include <string>

#include "moe/kernels/kernels.hpp"
#include "moe/layer/experts.hpp"

namespace moe {

Result<ExpertProbe> expert_probe(const Layer& layer, int expert, const float* x, size_t n) {
  const LayerConfig& c = layer.config();
  if (expert < 0 || expert >= c.num_experts) {
    return Error{"expert", "must be between 0 and " + std::to_string(c.num_experts - 1) + ", got " +
                               std::to_string(expert)};
  }
  const size_t d = static_cast<size_t>(c.d_model), f = static_cast<size_t>(c.d_ff);
  if (x == nullptr || n != d) {
    return Error{"input", "must hold one token of d_model (" + std::to_string(d) +
                              ") floats, got " + std::to_string(n)};
  }
  for (size_t j = 0; j < d; ++j) {
    if (!std::isfinite(x[j])) {
      return Error{"input[" + std::to_string(j) + "]", "must be finite"};
    }
  }
  const ExpertWeights& w = layer.weights().experts[static_cast<size_t>(expert)];
  const bool swiglu = c.expert_kind == ExpertKind::swiglu;
  ExpertProbe p;
  p.expert = expert;
  p.pre_activation.resize(f);
  p.up.resize(swiglu ? f : 0);
  p.hidden.resize(f);
  p.output.resize(d);
  f32_matmul(x, w.w1.data(), p.pre_activation.data(), 1, d, f);  // [1, f] = x · w1ᵀ
  if (swiglu) f32_matmul(x, w.w3.data(), p.up.data(), 1, d, f);  // [1, f] = x · w3ᵀ
  // The layer's own expert code produces hidden and output, so they match the trace exactly.
  std::vector<float> up_scratch(swiglu ? f : 0);  // [f]
  expert_ffn_forward(w, c, x, 1, p.hidden.data(), swiglu ? up_scratch.data() : nullptr,
                     p.output.data());
  return p;
}

}  // namespace moe

// One expert of a layer, opened up for one token: the intermediates that Layer::forward computes
// inside expert_ffn_forward but does not keep in its trace. For the lesson that shows an expert
// is an ordinary feed-forward block.
#pragma once

#include <cstddef>
#include <vector>

#include "moe/layer/layer.hpp"
#include "moe/result.hpp"

namespace moe {

struct ExpertProbe {
  int expert = 0;                     // which expert of the layer
  std::vector<float> pre_activation;  // [f]  w1 · x (swiglu: the gate projection)
  std::vector<float> up;              // [f]  w3 · x, swiglu only (empty for mlp)
  std::vector<float> hidden;  // [f]  act(w1 · x), or silu(w1 · x) ⊙ (w3 · x) for swiglu
  std::vector<float> output;  // [d]  w2 · hidden
};

// For expert e of `layer` and one token x [d] (n = d floats):
//   pre_activation[i] = Σ_j w1[e][i,j] · x[j]                        i < f
//   up[i]             = Σ_j w3[e][i,j] · x[j]                        (swiglu)
//   hidden[i]         = act(pre_activation[i])   or   silu(pre_activation[i]) · up[i]
//   output[o]         = Σ_i w2[e][o,i] · hidden[i]                   o < d
// output is computed by expert_ffn_forward itself, so it equals the layer's expert_outputs for a
// token routed to e. Errors: `expert: must be between 0 and 3, got 4`, `input: ...`.
Result<ExpertProbe> expert_probe(const Layer& layer, int expert, const float* x, size_t n);

}  // namespace moe

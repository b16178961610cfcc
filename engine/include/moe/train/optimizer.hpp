// Optimisers over one flat float parameter vector: SGD with momentum and Adam, with global-norm
// gradient clipping and a learning-rate scale for a leading segment (the router).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace moe::train {

enum class OptimizerKind { sgd, adam };
std::string_view to_string(OptimizerKind kind);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::adam;
  float lr = 1e-2f;
  float momentum = 0.9f;  // sgd: v ← μ·v + g,  w ← w - lr·v
  float beta1 = 0.9f;     // adam: m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²,
  float beta2 = 0.999f;  //       w ← w - lr · m̂ / (√v̂ + ε),  m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)
  float eps = 1e-8f;
  float clip = 0.0f;           // > 0: g ← g · min(1, clip / ‖g‖₂) over all parameters
  float lead_lr_scale = 1.0f;  // lr multiplier for params[0 .. lead_size)
  size_t lead_size = 0;
};

class Optimizer {
 public:
  Optimizer() = default;
  Optimizer(OptimizerConfig config, size_t num_params);

  // Clips `grad` in place (if configured) and updates `params`; returns ‖g‖₂ before clipping.
  double step(float* params, float* grad);
  int steps_taken() const { return t_; }

 private:
  OptimizerConfig config_;
  std::vector<float> m_, v_;  // [P] first/second moments (sgd: m_ is the velocity)
  int t_ = 0;
};

}  // namespace moe::train

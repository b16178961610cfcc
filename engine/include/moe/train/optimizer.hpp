// Optimisers over one flat float parameter vector: SGD with momentum and Adam (AdamW with a
// weight decay), with global-norm gradient clipping, a learning-rate scale for a leading segment
// (the router), and the language model's schedule (linear warm-up, cosine decay).
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
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
  // adam only: AdamW's decoupled weight decay (Loshchilov & Hutter 2019), applied before the
  // Adam step as in PyTorch: w ← w · (1 − lr·weight_decay), except on the [begin, end) ranges
  // of no_decay (the language model: embeddings and RMSNorm weights).
  float weight_decay = 0.0f;
  std::vector<std::pair<size_t, size_t>> no_decay;
};

// Learning rate at step s (0-based) of a run of `total` steps: linear warm-up to `peak` over the
// first `warmup` steps, then cosine decay to `floor` at the last step:
//   s < warmup:  peak · (s + 1) / warmup
//   else:        floor + (peak − floor) · (1 + cos(π · (s − warmup) / max(1, total − 1 − warmup)))
//   / 2
struct LrSchedule {
  float peak = 1e-3f, floor = 0.0f;
  int warmup = 0, total = 1;
  float at(int step) const;
};

class Optimizer {
 public:
  Optimizer() = default;
  Optimizer(OptimizerConfig config, size_t num_params);

  // Updates `params` from `grad`, clipped if configured (the clipping factor is applied inside the
  // update; `grad` is left as given); returns ‖g‖₂ before clipping.
  double step(float* params, float* grad);
  // Sets the learning rate of the next steps (a schedule calls this before each step).
  void set_lr(float lr) { config_.lr = lr; }
  int steps_taken() const { return t_; }

 private:
  OptimizerConfig config_;
  std::vector<float> m_, v_;  // [P] first/second moments (sgd: m_ is the velocity)
  // [begin, end) runs of one learning rate (the leading router segment or the rest) and one
  // decay (AdamW's decoupled decay, or none on no_decay): one Adam call each, cut once here.
  struct Run {
    size_t begin, end;
    bool lead, decays;
  };
  std::vector<Run> runs_;
  int t_ = 0;
};

}  // namespace moe::train

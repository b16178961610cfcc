#include "moe/train/optimizer.hpp"

#include <cmath>

#include "moe/train/linalg_kernels.hpp"

namespace moe::train {

std::string_view to_string(OptimizerKind kind) {
  return kind == OptimizerKind::sgd ? "sgd" : "adam";
}

Optimizer::Optimizer(OptimizerConfig config, size_t num_params)
    : config_(config),
      m_(num_params, 0.0f),
      v_(config.kind == OptimizerKind::adam ? num_params : 0, 0.0f) {}

double Optimizer::step(float* params, float* grad) {
  const size_t n = m_.size();
  const double norm = std::sqrt(f32_sum_squares(grad, n));
  if (config_.clip > 0 && norm > config_.clip) {
    const float scale = static_cast<float>(config_.clip / norm);
    for (size_t i = 0; i < n; ++i) grad[i] *= scale;
  }
  ++t_;
  const size_t lead = config_.lead_size < n ? config_.lead_size : n;
  const float lr_lead = config_.lr * config_.lead_lr_scale;
  if (config_.kind == OptimizerKind::sgd) {
    const float mu = config_.momentum;
    for (size_t i = 0; i < n; ++i) {
      m_[i] = mu * m_[i] + grad[i];
      params[i] -= (i < lead ? lr_lead : config_.lr) * m_[i];
    }
    return norm;
  }
  AdamStep s;
  s.beta1 = config_.beta1;
  s.beta2 = config_.beta2;
  s.c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(s.beta1), t_));
  s.c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(s.beta2), t_));
  s.eps = config_.eps;
  s.lr = lr_lead;  // the leading segment (router), then the rest
  f32_adam_update(s, grad, m_.data(), v_.data(), params, lead);
  s.lr = config_.lr;
  f32_adam_update(s, grad + lead, m_.data() + lead, v_.data() + lead, params + lead, n - lead);
  return norm;
}

}  // namespace moe::train

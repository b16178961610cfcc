#include "moe/train/optimizer.hpp"

#include <cmath>

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
  double sq = 0;
  for (size_t i = 0; i < n; ++i) sq += static_cast<double>(grad[i]) * grad[i];
  const double norm = std::sqrt(sq);
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
  const float b1 = config_.beta1, b2 = config_.beta2;
  const float c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(b1), t_));
  const float c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(b2), t_));
  for (size_t i = 0; i < n; ++i) {
    m_[i] = b1 * m_[i] + (1.0f - b1) * grad[i];
    v_[i] = b2 * v_[i] + (1.0f - b2) * grad[i] * grad[i];
    const float step = (m_[i] / c1) / (std::sqrt(v_[i] / c2) + config_.eps);
    params[i] -= (i < lead ? lr_lead : config_.lr) * step;
  }
  return norm;
}

}  // namespace moe::train

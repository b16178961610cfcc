#include "moe/train/optimizer.hpp"

#include <algorithm>
#include <cmath>

#include "moe/train/linalg_kernels.hpp"

namespace moe::train {

std::string_view to_string(OptimizerKind kind) {
  return kind == OptimizerKind::sgd ? "sgd" : "adam";
}

Optimizer::Optimizer(OptimizerConfig config, size_t num_params)
    : config_(config),
      m_(num_params, 0.0f),
      v_(config.kind == OptimizerKind::adam ? num_params : 0, 0.0f) {
  // The decayed ranges: the complement of no_decay in [0, num_params), sorted.
  std::vector<std::pair<size_t, size_t>> decay;
  if (config_.weight_decay > 0) {
    std::vector<std::pair<size_t, size_t>> skip = config_.no_decay;
    std::sort(skip.begin(), skip.end());
    size_t at = 0;
    for (const auto& [begin, end] : skip) {
      if (begin > at) decay.emplace_back(at, std::min(begin, num_params));
      at = std::max(at, end);
    }
    if (at < num_params) decay.emplace_back(at, num_params);
  }
  const size_t lead = std::min(config_.lead_size, num_params);
  std::vector<size_t> cuts = {0, lead, num_params};
  for (const auto& [begin, end] : decay) cuts.insert(cuts.end(), {begin, end});
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (size_t c = 0; c + 1 < cuts.size(); ++c) {
    const size_t a = cuts[c];
    const bool decays = std::any_of(decay.begin(), decay.end(),
                                    [&](const auto& r) { return r.first <= a && a < r.second; });
    runs_.push_back({a, cuts[c + 1], a < lead, decays});
  }
}

float LrSchedule::at(int step) const {
  if (step < warmup) return peak * static_cast<float>(step + 1) / static_cast<float>(warmup);
  const int span = std::max(1, total - 1 - warmup);
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / span);
  const double cosine = 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress));
  return static_cast<float>(floor + (peak - floor) * cosine);
}

double Optimizer::step(float* params, float* grad) {
  const size_t n = m_.size();
  const double norm = std::sqrt(f32_sum_squares(grad, n));
  const float scale =
      config_.clip > 0 && norm > config_.clip ? static_cast<float>(config_.clip / norm) : 1.0f;
  ++t_;
  const size_t lead = config_.lead_size < n ? config_.lead_size : n;
  const float lr_lead = config_.lr * config_.lead_lr_scale;
  if (config_.kind == OptimizerKind::sgd) {
    const float mu = config_.momentum;
    for (size_t i = 0; i < n; ++i) {
      m_[i] = mu * m_[i] + grad[i] * scale;
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
  s.grad_scale = scale;
  for (const Run& r : runs_) {
    s.lr = r.lead ? lr_lead : config_.lr;
    s.decay = r.decays ? 1.0f - s.lr * config_.weight_decay : 1.0f;
    f32_adam_update(s, grad + r.begin, m_.data() + r.begin, v_.data() + r.begin, params + r.begin,
                    r.end - r.begin);
  }
  return norm;
}

}  // namespace moe::train

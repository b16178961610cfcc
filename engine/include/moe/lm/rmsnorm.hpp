// RMSNorm (Zhang & Sennrich 2019), as Mixtral uses it before attention, before the MoE block and
// before the LM head:
//   y[t,i] = x[t,i] / sqrt(mean_i' x[t,i']² + eps) · w[i]
// eps sits inside the square root; the statistics are float32.
//   x [rows, d], w [d], y [rows, d] (y may alias x)
#pragma once

namespace moe::lm {

void rmsnorm_forward__scalar(const float* x, const float* w, float* y, int rows, int d, float eps);
void rmsnorm_forward(const float* x, const float* w, float* y, int rows, int d, float eps);

}  // namespace moe::lm

// Internal: the language model's new stages with their backward, templated on the scalar for
// lm_train_model.cpp (the math is in moe/lm/lm_train_model.hpp). Dense products go through
// train/linalg.hpp (SIMD kernels for float, plain loops for double).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "moe/lm/lm_train_model.hpp"
#include "train/linalg.hpp"

namespace moe::lm::stages {

using train::linalg::grow;
using train::linalg::sum_in_double;

// y = x · r · w per row, r = (mean x² + eps)^-1/2 (sums in double).   x, y [rows, d], rstd [rows]
template <class Real>
void rmsnorm_forward(const Real* x, const Real* w, Real* y, Real* rstd, size_t rows, size_t d,
                     double eps) {
  for (size_t t = 0; t < rows; ++t) {
    const Real* xr = x + t * d;
    const double ss =
        sum_in_double(d, [&](size_t i) { return static_cast<double>(xr[i]) * xr[i]; });
    const Real r = static_cast<Real>(1.0 / std::sqrt(ss / static_cast<double>(d) + eps));
    rstd[t] = r;
    for (size_t i = 0; i < d; ++i) y[t * d + i] = xr[i] * r * w[i];
  }
}

// dx += the input gradient, dw += the weight gradient, from dy.   x, dy, dx [rows, d], w, dw [d]
template <class Real>
void rmsnorm_backward(const Real* x, const Real* w, const Real* rstd, const Real* dy, Real* dx,
                      Real* dw, size_t rows, size_t d) {
  for (size_t t = 0; t < rows; ++t) {
    const Real* xr = x + t * d;
    const Real* dyr = dy + t * d;
    const Real r = rstd[t];
    const double c = sum_in_double(  // Σ_i dy_i w_i x_i
        d, [&](size_t i) { return static_cast<double>(dyr[i]) * w[i] * xr[i]; });
    for (size_t i = 0; i < d; ++i) dw[i] += dyr[i] * xr[i] * r;
    const Real k = static_cast<Real>(c * r * r * r / static_cast<double>(d));
    for (size_t i = 0; i < d; ++i) dx[t * d + i] += r * dyr[i] * w[i] - xr[i] * k;
  }
}

// cos and sin of RoPE's angles for positions 0..T-1, computed as rope.cpp does (float angle,
// its cosine rounded to the scalar).   cos_t, sin_t [T, hd/2]
template <class Real>
void rope_tables(int T, int hd, double theta, std::vector<Real>& cos_t, std::vector<Real>& sin_t) {
  const int half = hd / 2;
  cos_t.resize(static_cast<size_t>(T) * half);
  sin_t.resize(static_cast<size_t>(T) * half);
  for (int i = 0; i < half; ++i) {
    const float inv = static_cast<float>(1.0 / std::pow(theta, static_cast<double>(2 * i) / hd));
    for (int t = 0; t < T; ++t) {
      const double a = static_cast<float>(t) * inv;
      cos_t[static_cast<size_t>(t) * half + i] = static_cast<Real>(std::cos(a));
      sin_t[static_cast<size_t>(t) * half + i] = static_cast<Real>(std::sin(a));
    }
  }
}

// Rotates x [B·T, heads, hd] in place, row b·T + t at position t; `inverse` rotates by −a (the
// backward: the transpose of a rotation is its inverse).
template <class Real>
void rope_rotate(Real* x, int B, int T, int heads, int hd, const Real* cos_t, const Real* sin_t,
                 bool inverse) {
  const int half = hd / 2;
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      const Real* c = cos_t + static_cast<size_t>(t) * half;
      const Real* s = sin_t + static_cast<size_t>(t) * half;
      for (int h = 0; h < heads; ++h) {
        Real* r = x + ((static_cast<size_t>(b) * T + t) * heads + h) * hd;  // [hd]
        for (int i = 0; i < half; ++i) {
          const Real x1 = r[i], x2 = r[i + half];
          const Real sn = inverse ? -s[i] : s[i];
          r[i] = x1 * c[i] - x2 * sn;
          r[i + half] = x2 * c[i] + x1 * sn;
        }
      }
    }
  }
}

// Copies head h of rows [T, heads·hd] into dst [T, hd], or adds src [T, hd] back into it.
template <class Real>
void head_gather(const Real* rows, int T, int heads, int hd, int h, Real* dst) {
  for (int t = 0; t < T; ++t) {
    const Real* r = rows + (static_cast<size_t>(t) * heads + h) * hd;
    for (int i = 0; i < hd; ++i) dst[static_cast<size_t>(t) * hd + i] = r[i];
  }
}
// Head h of rows [T, heads·hd] into dst [hd, T], transposed: the right operand of an nn product
// (mm_nn on it gives mm_nt's bits on the untransposed head, without the product's own transpose).
template <class Real>
void head_gather_transposed(const Real* rows, int T, int heads, int hd, int h, Real* dst) {
  for (int t = 0; t < T; ++t) {
    const Real* r = rows + (static_cast<size_t>(t) * heads + h) * hd;
    for (int i = 0; i < hd; ++i) dst[static_cast<size_t>(i) * T + t] = r[i];
  }
}
template <class Real>
void head_scatter_add(const Real* src, int T, int heads, int hd, int h, Real* rows) {
  for (int t = 0; t < T; ++t) {
    Real* r = rows + (static_cast<size_t>(t) * heads + h) * hd;
    for (int i = 0; i < hd; ++i) r[i] += src[static_cast<size_t>(t) * hd + i];
  }
}

// row[0, n) <- softmax(scale * row[0, n)) in place: one causal row of attention probabilities.
// Float (training) goes through linalg::shifted_exp (one SIMD exp per entry, sums in double);
// double (the finite-difference checks) stays on exact scalar exps.
inline void scaled_softmax_prefix(float* row, size_t n, float scale) {
  for (size_t s = 0; s < n; ++s) row[s] *= scale;
  const float inv = static_cast<float>(1.0 / train::linalg::shifted_exp(row, row, n).sum);
  for (size_t s = 0; s < n; ++s) row[s] *= inv;
}
inline void scaled_softmax_prefix(double* row, size_t n, double scale) {
  double m = -INFINITY;
  for (size_t s = 0; s < n; ++s) m = std::max(m, row[s] *= scale);
  double sum = 0;
  for (size_t s = 0; s < n; ++s) sum += row[s] = std::exp(row[s] - m);
  for (size_t s = 0; s < n; ++s) row[s] /= sum;
}

// Causal grouped-query attention of one sequence: q [T, H·hd], k, v [T, KV·hd] → out [T, H·hd];
// probs [H, T, T] keeps the softmax (0 above the diagonal) for the backward.
template <class Real>
void attention_forward(const Real* q, const Real* k, const Real* v, Real* out, Real* probs, int T,
                       int H, int KV, int hd, LmAttentionScratch<Real>& sc) {
  namespace la = train::linalg;
  const size_t uT = static_cast<size_t>(T), uhd = static_cast<size_t>(hd);
  const Real scale = static_cast<Real>(1.0 / std::sqrt(static_cast<double>(hd)));
  grow(sc.q, uT * uhd);
  grow(sc.k, uT * uhd);
  grow(sc.v, uT * uhd);
  grow(sc.o, uT * uhd);
  const int group = H / KV;
  for (int h = 0; h < H; ++h) {
    const int g = h / group;
    head_gather(q, T, H, hd, h, sc.q.data());
    if (h % group == 0) {
      head_gather_transposed(k, T, KV, hd, g, sc.k.data());  // kᵀ [hd, T]
      head_gather(v, T, KV, hd, g, sc.v.data());
    }
    Real* p = probs + static_cast<size_t>(h) * uT * uT;          // [T, T]
    la::mm_nn(sc.q.data(), sc.k.data(), p, uT, uhd, uT, sc.s1);  // q·kᵀ
    for (size_t t = 0; t < uT; ++t) {
      Real* row = p + t * uT;
      scaled_softmax_prefix(row, t + 1, scale);
      for (size_t s = t + 1; s < uT; ++s) row[s] = 0;  // causal mask
    }
    la::mm_nn(p, sc.v.data(), sc.o.data(), uT, uT, uhd, sc.s1);  // p·v   [T, hd]
    for (int t = 0; t < T; ++t) {
      Real* r = out + (static_cast<size_t>(t) * H + h) * hd;
      for (int i = 0; i < hd; ++i) r[i] = sc.o[static_cast<size_t>(t) * uhd + i];
    }
  }
}

// Its backward from dout [T, H·hd]: dq [T, H·hd] is written, dk and dv [T, KV·hd] are added to.
template <class Real>
void attention_backward(const Real* q, const Real* k, const Real* v, const Real* probs,
                        const Real* dout, Real* dq, Real* dk, Real* dv, int T, int H, int KV,
                        int hd, LmAttentionScratch<Real>& sc) {
  namespace la = train::linalg;
  const size_t uT = static_cast<size_t>(T), uhd = static_cast<size_t>(hd);
  const Real scale = static_cast<Real>(1.0 / std::sqrt(static_cast<double>(hd)));
  grow(sc.dp, uT * uT);
  grow(sc.q, uT * uhd);  // a thread may run the backward of windows whose forward it did not run
  grow(sc.k, uT * uhd);
  grow(sc.v, uT * uhd);
  grow(sc.o, uT * uhd);
  const int group = H / KV;
  std::vector<Real>& dO = sc.o;  // [T, hd] this head's dout
  for (int h = 0; h < H; ++h) {
    const int g = h / group;
    head_gather(dout, T, H, hd, h, dO.data());
    head_gather(q, T, H, hd, h, sc.q.data());
    head_gather(k, T, KV, hd, g, sc.k.data());
    head_gather_transposed(v, T, KV, hd, g, sc.v.data());      // vᵀ [hd, T]
    const Real* p = probs + static_cast<size_t>(h) * uT * uT;  // [T, T]
    Real* ds = sc.dp.data();
    la::mm_nn(dO.data(), sc.v.data(), ds, uT, uhd, uT, sc.s1);  // dp = dout·vᵀ   [T, T]
    for (size_t t = 0; t < uT; ++t) {
      Real* row = ds + t * uT;
      const Real* pr = p + t * uT;
      const double dot =
          sum_in_double(t + 1, [&](size_t s) { return static_cast<double>(row[s]) * pr[s]; });
      for (size_t s = 0; s <= t; ++s) row[s] = pr[s] * (row[s] - static_cast<Real>(dot)) * scale;
      for (size_t s = t + 1; s < uT; ++s) row[s] = 0;
    }
    // dv_g += pᵀ·dout, then reuse dout's buffer for dq_h = ds·k and dk_g += dsᵀ·q.
    grow(sc.tmp, uT * uhd);
    std::vector<Real>& tmp = sc.tmp;
    la::mm_tn(p, dO.data(), tmp.data(), uT, uT, uhd, sc.s1, sc.s2);
    head_scatter_add(tmp.data(), T, KV, hd, g, dv);
    la::mm_tn(ds, sc.q.data(), tmp.data(), uT, uT, uhd, sc.s1, sc.s2);
    head_scatter_add(tmp.data(), T, KV, hd, g, dk);
    la::mm_nn(ds, sc.k.data(), tmp.data(), uT, uT, uhd, sc.s1);
    for (int t = 0; t < T; ++t) {
      Real* r = dq + (static_cast<size_t>(t) * H + h) * hd;
      for (int i = 0; i < hd; ++i) r[i] = tmp[static_cast<size_t>(t) * uhd + i];
    }
  }
}

}  // namespace moe::lm::stages

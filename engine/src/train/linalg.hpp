// Dense math of the trainable layer: the three matrix products, transposes, sigmoid and the
// expert activations with their derivatives. Templated on the scalar: float goes through the SIMD
// kernels (moe/kernels.hpp, moe/train/linalg_kernels.hpp), double (the finite-difference checks)
// through plain loops: mm_nn and mm_tn transpose into scratch and call mm_nt (y = a · bᵀ); their
// float overloads read the operands in place and leave the scratch alone.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "moe/kernels/kernels.hpp"
#include "moe/spec/config.hpp"
#include "moe/train/linalg_kernels.hpp"

namespace moe::train::linalg {

template <class Real>
void grow(std::vector<Real>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// Σ_i term(i) for i < n in double, in four running sums: a fixed order that breaks the chain of
// dependent additions (one add's latency per term otherwise).
template <class Term>
double sum_in_double(size_t n, const Term& term) {
  double part[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (size_t j = 0; j < 4; ++j) part[j] += term(i + j);
  }
  for (; i < n; ++i) part[0] += term(i);
  return (part[0] + part[1]) + (part[2] + part[3]);
}

// e[i] = exp(x[i] − top) for i < n, top = max x (e may be x): a softmax's numerators, with one SIMD
// exp per entry at the training's width (f32_exp_train); returns top and Σ e (sum_in_double).
struct ShiftedExp {
  float top;
  double sum;
};
inline ShiftedExp shifted_exp(const float* x, float* e, size_t n) {
  float top = -INFINITY;
  for (size_t i = 0; i < n; ++i) top = std::max(top, x[i]);
  for (size_t i = 0; i < n; ++i) e[i] = x[i] - top;
  f32_exp_train(e, e, n);
  return {top, sum_in_double(n, [&](size_t i) { return e[i]; })};
}

// c[n,out] = a[n,in] · b[out,in]ᵀ
inline void mm_nt(const float* a, const float* b, float* c, size_t n, size_t in, size_t out) {
  f32_matmul_nt(a, b, c, n, in, out);
}
inline void mm_nt(const double* a, const double* b, double* c, size_t n, size_t in, size_t out) {
  for (size_t r = 0; r < n; ++r) {
    for (size_t o = 0; o < out; ++o) {
      double s = 0;
      for (size_t i = 0; i < in; ++i) s += a[r * in + i] * b[o * in + i];
      c[r * out + o] = s;
    }
  }
}

// y[i] += a · x[i], n elements
inline void axpy(float a, const float* x, float* y, size_t n) {
  f32_axpy(a, x, y, n);
}
inline void axpy(double a, const double* x, double* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// Σ_i x[i] · y[i], n elements
inline float dot(const float* x, const float* y, size_t n) {
  return f32_dot(x, y, n);
}
inline double dot(const double* x, const double* y, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

// t[cols,rows] = m[rows,cols]ᵀ
template <class Real>
void transpose(const Real* m, size_t rows, size_t cols, Real* t) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  }
}

// c[n,p] = a[n,m] · b[m,p]
template <class Real>
void mm_nn(const Real* a, const Real* b, Real* c, size_t n, size_t m, size_t p,
           std::vector<Real>& scratch) {
  grow(scratch, m * p);
  transpose(b, m, p, scratch.data());  // [p,m]
  mm_nt(a, scratch.data(), c, n, m, p);
}
inline void mm_nn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p,
                  std::vector<float>&) {
  f32_matmul_nn(a, b, c, n, m, p);
}

// c[m,p] = a[n,m]ᵀ · b[n,p]
template <class Real>
void mm_tn(const Real* a, const Real* b, Real* c, size_t n, size_t m, size_t p,
           std::vector<Real>& s1, std::vector<Real>& s2) {
  grow(s1, m * n);
  grow(s2, p * n);
  transpose(a, n, m, s1.data());  // [m,n]
  transpose(b, n, p, s2.data());  // [p,n]
  mm_nt(s1.data(), s2.data(), c, m, n, p);
}
inline void mm_tn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p,
                  std::vector<float>&, std::vector<float>&) {
  f32_matmul_tn(a, b, c, n, m, p);
}

// out[i] = σ(x[i]) = 1 / (1 + e^-x[i]); float uses the SIMD exp (neg in place, then exp).
inline void sigmoid_vec(const float* x, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = -x[i];
  f32_exp(out, out, n);
  for (size_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + out[i]);
}
inline void sigmoid_vec(const double* x, double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = 1.0 / (1.0 + std::exp(-x[i]));
}

// Activation value and derivative at a. `sig` = σ(a) (used by silu).
template <class Real>
Real act_value(Activation act, Real a, Real sig) {
  switch (act) {
    case Activation::relu:
      return a > 0 ? a : Real(0);
    case Activation::silu:
      return a * sig;
    case Activation::gelu:
      return Real(0.5) * a * (Real(1) + std::erf(a * Real(0.70710678118654752)));
  }
  return 0;
}
template <class Real>
Real act_derivative(Activation act, Real a, Real sig) {
  switch (act) {
    case Activation::relu:
      return a > 0 ? Real(1) : Real(0);
    case Activation::silu:
      return sig * (Real(1) + a * (Real(1) - sig));
    case Activation::gelu:
      return Real(0.5) * (Real(1) + std::erf(a * Real(0.70710678118654752))) +
             a * std::exp(Real(-0.5) * a * a) * Real(0.39894228040143268);
  }
  return 0;
}

// Expert activation over n elements: sig[i] = σ(a[i]) (silu only; otherwise not written),
// hid[i] = act(a[i]) · u[i] (u == nullptr: no factor). float silu: one SIMD pass.
template <class Real>
void act_forward_loop(Activation act, const Real* a, const Real* u, Real* sig, Real* hid,
                      size_t n) {
  if (act == Activation::silu) sigmoid_vec(a, sig, n);
  for (size_t i = 0; i < n; ++i) {
    hid[i] = act_value(act, a[i], sig[i]);
    if (u) hid[i] *= u[i];
  }
}
inline void act_forward(Activation act, const double* a, const double* u, double* sig, double* hid,
                        size_t n) {
  act_forward_loop(act, a, u, sig, hid, n);
}
inline void act_forward(Activation act, const float* a, const float* u, float* sig, float* hid,
                        size_t n) {
  if (act == Activation::silu) {
    f32_silu_gate_forward(a, u, sig, hid, n);
  } else {
    act_forward_loop(act, a, u, sig, hid, n);
  }
}

// Its backward from dhid = ∂L/∂hid: da[i] = dhid[i] · u[i] · act'(a[i]) and du[i] = dhid[i] ·
// act(a[i]) (u == nullptr: da[i] = dhid[i] · act'(a[i]), du not written).
template <class Real>
void act_backward_loop(Activation act, const Real* a, const Real* u, const Real* sig,
                       const Real* dhid, Real* da, Real* du, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (u) {
      du[i] = dhid[i] * act_value(act, a[i], sig[i]);
      da[i] = dhid[i] * u[i] * act_derivative(act, a[i], sig[i]);
    } else {
      da[i] = dhid[i] * act_derivative(act, a[i], sig[i]);
    }
  }
}
inline void act_backward(Activation act, const double* a, const double* u, const double* sig,
                         const double* dhid, double* da, double* du, size_t n) {
  act_backward_loop(act, a, u, sig, dhid, da, du, n);
}
inline void act_backward(Activation act, const float* a, const float* u, const float* sig,
                         const float* dhid, float* da, float* du, size_t n) {
  if (act == Activation::silu) {
    f32_silu_gate_backward(a, u, sig, dhid, da, du, n);
  } else {
    act_backward_loop(act, a, u, sig, dhid, da, du, n);
  }
}

}  // namespace moe::train::linalg

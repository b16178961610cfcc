// Dense math of the trainable layer: the three matrix products, transposes, sigmoid and the
// expert activations with their derivatives. Templated on the scalar: float goes through the SIMD
// kernels (moe/kernels.hpp), double (the finite-difference checks) through plain loops.
// Every matrix product goes through mm_nt (y = a · bᵀ); the other two transpose into scratch.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "moe/config.hpp"
#include "moe/kernels.hpp"

namespace moe::train::linalg {

template <class Real>
void grow(std::vector<Real>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// c[n,out] = a[n,in] · b[out,in]ᵀ
inline void mm_nt(const float* a, const float* b, float* c, size_t n, size_t in, size_t out) {
  f32_matmul(a, b, c, n, in, out);
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

}  // namespace moe::train::linalg

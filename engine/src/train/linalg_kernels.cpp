// The training step's f32 kernels (moe/train/linalg_kernels.hpp): scalar references, xsimd
// variants and the dispatchers. With MOE_SCALAR every dispatcher calls its scalar reference.
//
// The two products are one register-tiled loop, c[r, j] = Σ_k A(r, k) · b[k, j], that reads the
// row operand A through two strides (a[r·ar + k·ak]) and b in its natural row-major layout:
//   tn: c[m,p] = aᵀ · b   A(i, r) = a[r·m + i]   (ar = 1, ak = m)
//   nn: c[n,p] = a · b    A(r, i) = a[r·m + i]   (ar = m, ak = 1)
// A tile is 4 rows × 8 columns (two 4-lane vectors of b per k, one broadcast of A per row: 8
// accumulators, within SSE's and V8's 16 registers, as in f32_matmul's tiles). Each c[r, j]
// sums its k terms in ascending k with one mul and one add, tiles of 1-2 rows in even and odd
// halves: exactly f32_matmul's order on transposed copies, so results match it bit for bit.
// Fewer than 4 rows take the transposed-copy path itself (f32_matmul's dot-product kernel sums
// in another order, and that is what training used before).
#include "moe/train/linalg_kernels.hpp"

#include <cmath>
#include <vector>

#include "moe/kernels/kernels.hpp"
#if !MOE_SCALAR
#include "moe/kernels/kernels_simd.hpp"
#endif

namespace moe::train {

void f32_matmul_tn__scalar(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < p; ++j) {
      float s = 0.0f;
      for (size_t r = 0; r < n; ++r) s += a[r * m + i] * b[r * p + j];
      c[i * p + j] = s;
    }
  }
}

void f32_matmul_nn__scalar(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  for (size_t r = 0; r < n; ++r) {
    for (size_t j = 0; j < p; ++j) {
      float s = 0.0f;
      for (size_t i = 0; i < m; ++i) s += a[r * m + i] * b[i * p + j];
      c[r * p + j] = s;
    }
  }
}

namespace {
float sigmoid_of_exp_neg(float e) {  // σ(a) from e = e^-a
  return 1.0f / (1.0f + e);
}
}  // namespace

void f32_silu_gate_forward__scalar(const float* a, const float* u, float* sig, float* hid,
                                   size_t n) {
  for (size_t i = 0; i < n; ++i) {
    sig[i] = sigmoid_of_exp_neg(std::exp(-a[i]));
    hid[i] = u ? a[i] * sig[i] * u[i] : a[i] * sig[i];
  }
}

void f32_silu_gate_backward__scalar(const float* a, const float* u, const float* sig,
                                    const float* dhid, float* da, float* du, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float deriv = sig[i] * (1.0f + a[i] * (1.0f - sig[i]));  // silu'(a)
    if (u) {
      du[i] = dhid[i] * (a[i] * sig[i]);
      da[i] = dhid[i] * u[i] * deriv;
    } else {
      da[i] = dhid[i] * deriv;
    }
  }
}

void f32_adam_update__scalar(const AdamStep& s, const float* g, float* m, float* v, float* w,
                             size_t n) {
  const float inv_c1 = 1.0f / s.c1, inv_c2 = 1.0f / s.c2;
  for (size_t i = 0; i < n; ++i) {
    m[i] = s.beta1 * m[i] + (1.0f - s.beta1) * g[i];
    v[i] = s.beta2 * v[i] + (1.0f - s.beta2) * g[i] * g[i];
    w[i] -= s.lr * ((m[i] * inv_c1) / (std::sqrt(v[i] * inv_c2) + s.eps));
  }
}

float f32_dot__scalar(const float* x, const float* y, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

double f32_sum_squares__scalar(const float* x, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  return sum;
}

#if MOE_SCALAR

void f32_matmul_tn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  f32_matmul_tn__scalar(a, b, c, n, m, p);
}
void f32_matmul_nn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  f32_matmul_nn__scalar(a, b, c, n, m, p);
}
void f32_silu_gate_forward(const float* a, const float* u, float* sig, float* hid, size_t n) {
  f32_silu_gate_forward__scalar(a, u, sig, hid, n);
}
void f32_silu_gate_backward(const float* a, const float* u, const float* sig, const float* dhid,
                            float* da, float* du, size_t n) {
  f32_silu_gate_backward__scalar(a, u, sig, dhid, da, du, n);
}
void f32_adam_update(const AdamStep& s, const float* g, float* m, float* v, float* w, size_t n) {
  f32_adam_update__scalar(s, g, m, v, w, n);
}
float f32_dot(const float* x, const float* y, size_t n) {
  return f32_dot__scalar(x, y, n);
}
double f32_sum_squares(const float* x, size_t n) {
  return f32_sum_squares__scalar(x, n);
}

#else

namespace {

using Arch = xsimd::default_arch;
using B = xsimd::batch<float, Arch>;
constexpr size_t W = B::size;
constexpr size_t NR = 2 * W;  // columns per tile

// Strided view of the row operand: A(r, k) = a[r·ar + k·ak].
struct RowOperand {
  const float* a;
  size_t ar, ak;
  float at(size_t r, size_t k) const { return a[r * ar + k * ak]; }
};

// c[r, 0..NR) = Σ_k A(r0 + r, k) · b[k, 0..NR) for r < MR.   b [K, ≥NR] (row stride ldb),
// c [MR, NR] (row stride ldc)
template <int MR>
void tile(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K) {
  constexpr int KS = MR < 3 ? 2 : 1;  // accumulator sets along k (even, odd)
  B c0[KS][MR], c1[KS][MR];
  for (int s = 0; s < KS; ++s) {
    for (int r = 0; r < MR; ++r) c0[s][r] = c1[s][r] = B(0.0f);
  }
  size_t k = 0;
  if constexpr (KS == 2) {
    for (; k + 2 <= K; k += 2) {
      for (int s = 0; s < 2; ++s) {
        const B b0 = B::load_unaligned(b + (k + s) * ldb);
        const B b1 = B::load_unaligned(b + (k + s) * ldb + W);
        for (int r = 0; r < MR; ++r) {
          const B x(A.at(r0 + r, k + s));
          c0[s][r] += x * b0;
          c1[s][r] += x * b1;
        }
      }
    }
  }
  for (; k < K; ++k) {
    const B b0 = B::load_unaligned(b + k * ldb);
    const B b1 = B::load_unaligned(b + k * ldb + W);
    for (int r = 0; r < MR; ++r) {
      const B x(A.at(r0 + r, k));
      c0[0][r] += x * b0;
      c1[0][r] += x * b1;
    }
  }
  for (int r = 0; r < MR; ++r) {
    if constexpr (KS == 2) {
      c0[0][r] += c0[1][r];
      c1[0][r] += c1[1][r];
    }
    c0[0][r].store_unaligned(c + r * ldc);
    c1[0][r].store_unaligned(c + r * ldc + W);
  }
}

// The last nr < NR columns in scalar, with tile<MR>'s order of additions.
template <int MR>
void tile_tail(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K,
               size_t nr) {
  constexpr bool split = MR < 3;
  for (int r = 0; r < MR; ++r) {
    for (size_t j = 0; j < nr; ++j) {
      float even = 0.0f, odd = 0.0f;
      size_t k = 0;
      if (split) {
        for (; k + 2 <= K; k += 2) {
          even += A.at(r0 + r, k) * b[k * ldb + j];
          odd += A.at(r0 + r, k + 1) * b[(k + 1) * ldb + j];
        }
      }
      for (; k < K; ++k) even += A.at(r0 + r, k) * b[k * ldb + j];
      c[r * ldc + j] = split ? even + odd : even;
    }
  }
}

template <int MR>
void tile_any(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K,
              size_t nr) {
  if (nr == NR) {
    tile<MR>(A, r0, b, ldb, c, ldc, K);
  } else {
    tile_tail<MR>(A, r0, b, ldb, c, ldc, K, nr);
  }
}

// c[r, j] = Σ_k A(r, k) · b[k, j]   c [M,P], b [K,P]; column blocks outside, row tiles inside
// (a block of b stays in cache for all rows).
void matmul_rows(RowOperand A, const float* b, float* c, size_t M, size_t K, size_t P) {
  for (size_t j0 = 0; j0 < P; j0 += NR) {
    const size_t nr = P - j0 < NR ? P - j0 : NR;
    const float* bj = b + j0;
    size_t r = 0;
    for (; r + 4 <= M; r += 4) tile_any<4>(A, r, bj, P, c + r * P + j0, P, K, nr);
    switch (M - r) {
      case 3:
        tile_any<3>(A, r, bj, P, c + r * P + j0, P, K, nr);
        break;
      case 2:
        tile_any<2>(A, r, bj, P, c + r * P + j0, P, K, nr);
        break;
      case 1:
        tile_any<1>(A, r, bj, P, c + r * P + j0, P, K, nr);
        break;
      default:
        break;
    }
  }
}

// t[cols,rows] = m[rows,cols]ᵀ
void transpose_into(const float* m, size_t rows, size_t cols, std::vector<float>& t) {
  if (t.size() < rows * cols) t.resize(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  }
}

// The transposed-copy path for products with fewer than 4 output rows (see the file comment).
thread_local std::vector<float> g_small_a, g_small_b;  // transposed operands

}  // namespace

void f32_matmul_tn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  if (m < 4) {
    transpose_into(a, n, m, g_small_a);  // [m,n]
    transpose_into(b, n, p, g_small_b);  // [p,n]
    f32_matmul(g_small_a.data(), g_small_b.data(), c, m, n, p);
    return;
  }
  matmul_rows(RowOperand{a, 1, m}, b, c, m, n, p);
}

void f32_matmul_nn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  if (n < 4) {
    transpose_into(b, m, p, g_small_b);  // [p,m]
    f32_matmul(a, g_small_b.data(), c, n, m, p);
    return;
  }
  matmul_rows(RowOperand{a, m, 1}, b, c, n, m, p);
}

void f32_silu_gate_forward(const float* a, const float* u, float* sig, float* hid, size_t n) {
  const B one(1.0f);
  size_t i = 0;
  for (; i + W <= n; i += W) {
    const B av = B::load_unaligned(a + i);
    const B s = one / (one + simd::exp<Arch>(-av));
    s.store_unaligned(sig + i);
    const B h = av * s;
    (u ? h * B::load_unaligned(u + i) : h).store_unaligned(hid + i);
  }
  if (i < n) f32_silu_gate_forward__scalar(a + i, u ? u + i : nullptr, sig + i, hid + i, n - i);
}

void f32_silu_gate_backward(const float* a, const float* u, const float* sig, const float* dhid,
                            float* da, float* du, size_t n) {
  const B one(1.0f);
  size_t i = 0;
  for (; i + W <= n; i += W) {
    const B av = B::load_unaligned(a + i), s = B::load_unaligned(sig + i);
    const B dh = B::load_unaligned(dhid + i);
    const B deriv = s * (one + av * (one - s));
    if (u) {
      (dh * (av * s)).store_unaligned(du + i);
      (dh * B::load_unaligned(u + i) * deriv).store_unaligned(da + i);
    } else {
      (dh * deriv).store_unaligned(da + i);
    }
  }
  if (i < n) {
    f32_silu_gate_backward__scalar(a + i, u ? u + i : nullptr, sig + i, dhid + i, da + i,
                                   u ? du + i : nullptr, n - i);
  }
}

void f32_adam_update(const AdamStep& s, const float* g, float* m, float* v, float* w, size_t n) {
  const B b1(s.beta1), b2(s.beta2), rest1(1.0f - s.beta1), rest2(1.0f - s.beta2);
  const B inv_c1(1.0f / s.c1), inv_c2(1.0f / s.c2), eps(s.eps), lr(s.lr);
  size_t i = 0;
  for (; i + W <= n; i += W) {
    const B gv = B::load_unaligned(g + i);
    const B mv = b1 * B::load_unaligned(m + i) + rest1 * gv;
    const B vv = b2 * B::load_unaligned(v + i) + rest2 * gv * gv;
    mv.store_unaligned(m + i);
    vv.store_unaligned(v + i);
    const B step = (mv * inv_c1) / (xsimd::sqrt(vv * inv_c2) + eps);
    (B::load_unaligned(w + i) - lr * step).store_unaligned(w + i);
  }
  if (i < n) f32_adam_update__scalar(s, g + i, m + i, v + i, w + i, n - i);
}

// Lane-wise partial sums, added across lanes at the end, then the tail.
float f32_dot(const float* x, const float* y, size_t n) {
  B acc(0.0f);
  size_t i = 0;
  for (; i + W <= n; i += W) acc += B::load_unaligned(x + i) * B::load_unaligned(y + i);
  float s = xsimd::hadd(acc);
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

// Four running sums break the chain of dependent double additions.
double f32_sum_squares(const float* x, size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += static_cast<double>(x[i]) * x[i];
    s1 += static_cast<double>(x[i + 1]) * x[i + 1];
    s2 += static_cast<double>(x[i + 2]) * x[i + 2];
    s3 += static_cast<double>(x[i + 3]) * x[i + 3];
  }
  for (; i < n; ++i) s0 += static_cast<double>(x[i]) * x[i];
  return (s0 + s1) + (s2 + s3);
}

#endif

}  // namespace moe::train

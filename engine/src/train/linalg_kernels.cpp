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

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "moe/kernels/kernels.hpp"
#include "moe/kernels/thread_pool.hpp"
#if !MOE_SCALAR
#include "elementwise_simd.hpp"
#include "matmul_rows.hpp"
#include "moe/kernels/kernels_simd.hpp"
#include "wide_kernels.hpp"
#endif

namespace moe::train {

namespace {
thread_local int g_train_threads = 1;
}  // namespace

int train_threads() {
  return g_train_threads;
}
void set_train_threads(int n) {
  g_train_threads = n < 1 ? 1 : n;
}

TrainSimd train_simd_widest() {
#if MOE_WIDE_SIMD
  static const TrainSimd widest = __builtin_cpu_supports("avx512f") ? TrainSimd::avx512
                                  : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                      ? TrainSimd::avx2
                                      : TrainSimd::baseline;
  return widest;
#else
  return TrainSimd::baseline;
#endif
}

namespace {
// Baseline until a caller asks for FMA (moe lm train does): the layer trainer and the lessons'
// numbers keep the mul + add bits that wasm computes too, at the CPU's widest width.
std::atomic<TrainSimd> g_train_simd{TrainSimd::baseline};
}  // namespace

TrainSimd train_simd() {
  return g_train_simd.load(std::memory_order_relaxed);
}
void set_train_simd(TrainSimd s) {
  const TrainSimd widest = train_simd_widest();
  g_train_simd.store(static_cast<int>(s) > static_cast<int>(widest) ? widest : s);
}
const char* train_simd_name(TrainSimd s) {
  switch (s) {
    case TrainSimd::avx2:
      return "avx2";
    case TrainSimd::avx512:
      return "avx512f";
    case TrainSimd::baseline:
      break;
  }
#if defined(__wasm__)
  return "simd128";
#elif MOE_SCALAR
  return "scalar";
#else
  return "mul-add";  // natively at the widest width, with SSE2's bits (matmul_rows_dispatch)
#endif
}

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
    const float gi = g[i] * s.grad_scale;
    m[i] = s.beta1 * m[i] + (1.0f - s.beta1) * gi;
    v[i] = s.beta2 * v[i] + (1.0f - s.beta2) * gi * gi;
    w[i] = w[i] * s.decay - s.lr * ((m[i] * inv_c1) / (std::sqrt(v[i] * inv_c2) + s.eps));
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
void f32_matmul_nt(const float* a, const float* b, float* c, size_t n, size_t in, size_t out) {
  f32_matmul(a, b, c, n, in, out);
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
void f32_exp_train(const float* x, float* y, size_t n) {
  f32_exp(x, y, n);
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

// t[cols,rows] = m[rows,cols]ᵀ, in 16 × 16 blocks (the strided writes of a block stay in cache)
void transpose_into(const float* m, size_t rows, size_t cols, std::vector<float>& t) {
  if (t.size() < rows * cols) t.resize(rows * cols);
  constexpr size_t kBlock = 16;
  for (size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const size_t r1 = std::min(rows, r0 + kBlock);
    for (size_t c0 = 0; c0 < cols; c0 += kBlock) {
      const size_t c1 = std::min(cols, c0 + kBlock);
      for (size_t r = r0; r < r1; ++r) {
        for (size_t c = c0; c < c1; ++c) t[c * rows + r] = m[r * cols + c];
      }
    }
  }
}

// The transposed-copy path for products with fewer than 4 output rows (see the file comment).
thread_local std::vector<float> g_small_a, g_small_b;  // transposed operands

// Products below this many multiply-adds stay on one thread (a pool round trip costs ~10 µs).
constexpr size_t kSplitMinWork = size_t{1} << 16;

// Runs part(r0, r1) over blocks of the M output rows of a product, one per training thread.
// Block edges are multiples of 4 rows and no block has fewer than 4 rows, so every block runs
// the same row tiles (4 rows, then the one tail tile of the last block) as a single call over
// all M rows would: the same bits for every thread count.
template <class Part>
void split_rows(size_t M, size_t work_per_row, const Part& part) {
  const size_t threads = static_cast<size_t>(train_threads());
  if (threads <= 1 || M < 8 || M * work_per_row < kSplitMinWork) {
    part(0, M);
    return;
  }
  const size_t quads = M / 4;                            // whole 4-row tiles
  const size_t parts = std::min(threads, quads);         // every block holds >= 4 rows
  const size_t per_quads = (quads + parts - 1) / parts;  // tiles per block
  const size_t per = per_quads * 4;                      // rows per block
  // Blocks that start on a whole tile; the last one also takes the M % 4 tail rows.
  const size_t used = (quads + per_quads - 1) / per_quads;
  thread_pool_run(static_cast<int>(used), [&](int w) {
    const size_t r0 = static_cast<size_t>(w) * per;
    const size_t r1 = w + 1 == static_cast<int>(used) ? M : r0 + per;
    part(r0, r1);
  });
}

// True when the products run on a wide FMA kernel (set_train_simd chose AVX2 or AVX-512).
bool wide() {
#if MOE_WIDE_SIMD
  return train_simd() != TrainSimd::baseline;
#else
  return false;
#endif
}

// The kernel table of width s, or nullptr for the baseline (linalg_kernels.cpp's own copies).
const WideKernels* wide_kernels(TrainSimd s) {
#if MOE_WIDE_SIMD
  switch (s) {
    case TrainSimd::avx512:
      return &kAvx512Kernels;
    case TrainSimd::avx2:
      return &kAvx2Kernels;
    case TrainSimd::baseline:
      break;
  }
#else
  (void)s;
#endif
  return nullptr;
}

// The row product set_train_simd chose: the wide FMA kernel (AVX2 and AVX-512 give the same bits;
// see matmul_rows_fma.hpp), or the baseline's mul + add at the widest width the CPU has (lanes are
// output columns, so every width gives the SSE2 copy's bits, at the layer trainer's best speed).
// b [K, P] row-major.
void matmul_rows_dispatch(RowOperand A, const float* b, float* c, size_t M, size_t K, size_t P) {
  if (wide()) {
    wide_kernels(train_simd())->matmul_rows_fma(A.a, A.ar, A.ak, b, P, 1, c, M, K, P);
    return;
  }
  if (const WideKernels* k = wide_kernels(train_simd_widest())) {
    k->matmul_rows_mul_add(A.a, A.ar, A.ak, b, c, M, K, P);
    return;
  }
  matmul_rows<Arch>(A, b, c, M, K, P);
}

}  // namespace

void f32_matmul_tn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  if (m < 4 && !wide()) {
    transpose_into(a, n, m, g_small_a);  // [m,n]
    transpose_into(b, n, p, g_small_b);  // [p,n]
    f32_matmul(g_small_a.data(), g_small_b.data(), c, m, n, p);
    return;
  }
  // Blocks of output rows i (columns of a): each c[i, j] still sums over all n tokens in order.
  split_rows(m, n * p, [&](size_t r0, size_t r1) {
    matmul_rows_dispatch(RowOperand{a + r0, 1, m}, b, c + r0 * p, r1 - r0, n, p);
  });
}

void f32_matmul_nn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p) {
  if (n < 4 && !wide()) {
    transpose_into(b, m, p, g_small_b);  // [p,m]
    f32_matmul(a, g_small_b.data(), c, n, m, p);
    return;
  }
  split_rows(n, m * p, [&](size_t r0, size_t r1) {
    matmul_rows_dispatch(RowOperand{a + r0 * m, m, 1}, b, c + r0 * p, r1 - r0, m, p);
  });
}

void f32_matmul_nt(const float* a, const float* b, float* c, size_t n, size_t in, size_t out) {
  if (wide()) {  // the row kernel reads bᵀ [in, out] through strides: b(k, j) = b[j·in + k]
    const WideKernels* k = wide_kernels(train_simd());
    split_rows(n, in * out, [&](size_t r0, size_t r1) {
      k->matmul_rows_fma(a + r0 * in, in, 1, b, 1, in, c + r0 * out, r1 - r0, in, out);
    });
    return;
  }
  if (n < 4) {
    f32_matmul(a, b, c, n, in, out);
    return;
  }
  split_rows(n, in * out, [&](size_t r0, size_t r1) {
    f32_matmul(a + r0 * in, b, c + r0 * out, r1 - r0, in, out);
  });
}

// Wide only when the products are fused (its exp then fuses too); otherwise the baseline's bits.
void f32_silu_gate_forward(const float* a, const float* u, float* sig, float* hid, size_t n) {
  if (const WideKernels* k = wide_kernels(wide() ? train_simd() : TrainSimd::baseline)) {
    k->silu_gate_forward_fused(a, u, sig, hid, n);
    return;
  }
  silu_gate_forward_simd<Arch>(a, u, sig, hid, n);
}

void f32_exp_train(const float* x, float* y, size_t n) {
  if (const WideKernels* k = wide_kernels(wide() ? train_simd() : TrainSimd::baseline)) {
    k->exp_fused(x, y, n);
    return;
  }
  f32_exp(x, y, n);
}

// The same bits at every width (elementwise_simd.hpp): always the widest.
void f32_silu_gate_backward(const float* a, const float* u, const float* sig, const float* dhid,
                            float* da, float* du, size_t n) {
  if (const WideKernels* k = wide_kernels(train_simd_widest())) {
    k->silu_gate_backward(a, u, sig, dhid, da, du, n);
    return;
  }
  silu_gate_backward_simd<Arch>(a, u, sig, dhid, da, du, n);
}

void f32_adam_update(const AdamStep& s, const float* g, float* m, float* v, float* w, size_t n) {
  if (const WideKernels* k = wide_kernels(train_simd_widest())) {
    k->adam_update(s, g, m, v, w, n);
    return;
  }
  adam_update_simd<Arch>(s, g, m, v, w, n);
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

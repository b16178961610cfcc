// The training step's kernels (moe/train/linalg_kernels.hpp): each dispatcher against its scalar
// reference on random shapes with remainders in every dimension (rows below, at and above the
// 4-row tile, columns around the 8-column tile, odd sums), the baseline width's products bit for
// bit against the transposed-copy path they replaced, the wide FMA products bit for bit against a
// scalar chain of fused multiply-adds and within a stated bound of the mul + add ones, the SiLU
// gate's backward against a finite difference of its forward, and Adam's first step.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/kernels/kernels.hpp"
#include "moe/train/linalg_kernels.hpp"
#include "test_support.hpp"

namespace {

using moe_test::check_close;
using moe_test::random_floats;

const size_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64};

std::vector<float> transposed(const std::vector<float>& m, size_t rows, size_t cols) {
  std::vector<float> t(rows * cols);  // [cols,rows]
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  }
  return t;
}

std::string shape_name(const char* op, size_t n, size_t m, size_t p) {
  return std::string(op) + " n=" + std::to_string(n) + " m=" + std::to_string(m) +
         " p=" + std::to_string(p);
}

using moe::train::TrainSimd;

// Sets the products' width for one scope (process-wide), restoring the previous one after.
struct SimdScope {
  TrainSimd saved = moe::train::train_simd();
  explicit SimdScope(TrainSimd s) { moe::train::set_train_simd(s); }
  ~SimdScope() { moe::train::set_train_simd(saved); }
};

// The wide FMA widths this CPU runs (none in wasm or on a CPU without AVX2 and FMA).
std::vector<TrainSimd> fma_widths() {
  std::vector<TrainSimd> w;
  if (moe::train::train_simd_widest() >= TrainSimd::avx2) w.push_back(TrainSimd::avx2);
  if (moe::train::train_simd_widest() >= TrainSimd::avx512) w.push_back(TrainSimd::avx512);
  return w;
}

// c[i,j] = the chain s ← fma(A(i,k), B(k,j), s) over ascending k from 0: what the wide kernels
// promise for every element. at(i, k) and bt(k, j) read the operands.   c [rows, cols]
template <class At, class Bt>
std::vector<float> fma_chain(size_t rows, size_t K, size_t cols, At at, Bt bt) {
  std::vector<float> c(rows * cols);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      float s = 0.0f;
      for (size_t k = 0; k < K; ++k) s = std::fma(at(i, k), bt(k, j), s);
      c[i * cols + j] = s;
    }
  }
  return c;
}

// Σ_k |A(i,k) · B(k,j)| per element: the scale of the rounding bound below.
template <class At, class Bt>
std::vector<double> abs_sums(size_t rows, size_t K, size_t cols, At at, Bt bt) {
  std::vector<double> s(rows * cols, 0.0);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      for (size_t k = 0; k < K; ++k) s[i * cols + j] += std::abs(double(at(i, k)) * bt(k, j));
    }
  }
  return s;
}

// A recursive float sum of K products is within γ_K · Σ|terms| of the exact value, γ_K = K·u /
// (1 − K·u), u = 2⁻²⁴, with a mul and an add per term or with one fma. So the FMA and the mul +
// add kernels may differ by at most 2·γ_K · Σ_k |A(i,k)·B(k,j)| per element: checked here.
void check_fma_vs_mul_add(const std::vector<float>& fused, const std::vector<float>& mul_add,
                          const std::vector<double>& sums, size_t K, const std::string& what) {
  const double u = std::ldexp(1.0, -24), gamma = K * u / (1 - K * u);
  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < fused.size(); ++i) {
    const double diff = std::abs(double(fused[i]) - mul_add[i]);
    if (diff > 2 * gamma * sums[i]) ++bad;
    worst = std::max(worst, diff);
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " elements beyond 2·γ_K·Σ|a·b| (largest "
                               << "difference " << worst << ")");
}

}  // namespace

TEST_CASE("f32_matmul_tn: c = aᵀ·b matches the scalar reference and the transposed f32_matmul") {
  const SimdScope baseline(TrainSimd::baseline);  // mul + add, f32_matmul's order
  uint64_t seed = 1;
  for (size_t n : kSizes) {
    for (size_t m : kSizes) {
      for (size_t p : kSizes) {
        const auto a = random_floats(n * m, seed++);                 // [n,m]
        const auto b = random_floats(n * p, seed++);                 // [n,p]
        std::vector<float> c(m * p, -7.0f), ref(m * p), old(m * p);  // [m,p]
        moe::train::f32_matmul_tn(a.data(), b.data(), c.data(), n, m, p);
        moe::train::f32_matmul_tn__scalar(a.data(), b.data(), ref.data(), n, m, p);
        const std::string what = shape_name("tn", n, m, p);
        check_close(c, ref, 1e-5, 1e-5, what);
        const auto at = transposed(a, n, m), bt = transposed(b, n, p);
        moe::f32_matmul(at.data(), bt.data(), old.data(), m, n, p);
        CHECK_MESSAGE(moe_test::same_bits(c, old),
                      what << ": differs from the transposed f32_matmul");
      }
    }
  }
}

TEST_CASE("f32_matmul_nn: c = a·b matches the scalar reference and the transposed f32_matmul") {
  const SimdScope baseline(TrainSimd::baseline);
  uint64_t seed = 100000;
  for (size_t n : kSizes) {
    for (size_t m : kSizes) {
      for (size_t p : kSizes) {
        const auto a = random_floats(n * m, seed++);                 // [n,m]
        const auto b = random_floats(m * p, seed++);                 // [m,p]
        std::vector<float> c(n * p, -7.0f), ref(n * p), old(n * p);  // [n,p]
        moe::train::f32_matmul_nn(a.data(), b.data(), c.data(), n, m, p);
        moe::train::f32_matmul_nn__scalar(a.data(), b.data(), ref.data(), n, m, p);
        const std::string what = shape_name("nn", n, m, p);
        check_close(c, ref, 1e-5, 1e-5, what);
        const auto bt = transposed(b, m, p);
        moe::f32_matmul(a.data(), bt.data(), old.data(), n, m, p);
        CHECK_MESSAGE(moe_test::same_bits(c, old),
                      what << ": differs from the transposed f32_matmul");
      }
    }
  }
}

TEST_CASE("wide FMA products: one fma chain per element, within 2·γ_K·Σ|a·b| of mul + add") {
  // Shapes around both wide tiles (6 × 16 with AVX2, 8 × 32 with AVX-512): rows below, at and
  // above them, columns below, at and above one and two vectors, sums short and long.
  const size_t rows_list[] = {1, 5, 6, 7, 8, 9, 13, 17};
  const size_t k_list[] = {1, 3, 64, 256, 300, 600};  // the packed panels hold 256 k
  const size_t cols_list[] = {1, 8, 15, 16, 17, 32, 33, 70};
  if (fma_widths().empty()) MESSAGE("no AVX2+FMA or AVX-512 here: only the baseline runs");
  uint64_t seed = 500;
  for (TrainSimd w : fma_widths()) {
    for (size_t M : rows_list) {
      for (size_t K : k_list) {
        for (size_t P : cols_list) {
          const auto a = random_floats(K * M, seed++);  // tn: a [K, M]; nn and nt: a [M, K]
          const auto b = random_floats(K * P, seed++);  // tn and nn: b [K, P]; nt: w = b [P, K]
          std::vector<float> tn(M * P), nn(M * P), nt(M * P), tn0(M * P), nn0(M * P), nt0(M * P);
          {
            const SimdScope wide(w);
            moe::train::f32_matmul_tn(a.data(), b.data(), tn.data(), K, M, P);
            moe::train::f32_matmul_nn(a.data(), b.data(), nn.data(), M, K, P);
            moe::train::f32_matmul_nt(a.data(), b.data(), nt.data(), M, K, P);
          }
          {
            const SimdScope baseline(TrainSimd::baseline);
            moe::train::f32_matmul_tn(a.data(), b.data(), tn0.data(), K, M, P);
            moe::train::f32_matmul_nn(a.data(), b.data(), nn0.data(), M, K, P);
            moe::train::f32_matmul_nt(a.data(), b.data(), nt0.data(), M, K, P);
          }
          const auto tn_a = [&](size_t i, size_t k) { return a[k * M + i]; };
          const auto nn_a = [&](size_t i, size_t k) { return a[i * K + k]; };
          const auto kp_b = [&](size_t k, size_t j) { return b[k * P + j]; };
          const auto nt_b = [&](size_t k, size_t j) { return b[j * K + k]; };
          const std::string what = std::string(moe::train::train_simd_name(w)) +
                                   " M=" + std::to_string(M) + " K=" + std::to_string(K) +
                                   " P=" + std::to_string(P);
          CHECK_MESSAGE(moe_test::same_bits(tn, fma_chain(M, K, P, tn_a, kp_b)), "tn " << what);
          CHECK_MESSAGE(moe_test::same_bits(nn, fma_chain(M, K, P, nn_a, kp_b)), "nn " << what);
          CHECK_MESSAGE(moe_test::same_bits(nt, fma_chain(M, K, P, nn_a, nt_b)), "nt " << what);
          check_fma_vs_mul_add(tn, tn0, abs_sums(M, K, P, tn_a, kp_b), K, "tn " + what);
          check_fma_vs_mul_add(nn, nn0, abs_sums(M, K, P, nn_a, kp_b), K, "nn " + what);
          check_fma_vs_mul_add(nt, nt0, abs_sums(M, K, P, nn_a, nt_b), K, "nt " + what);
        }
      }
    }
  }
}

TEST_CASE("f32_matmul_tn / nn scalar references compute the definition") {
  // a [2,3], b [2,2]: aᵀ·b [3,2];  a·b' with b' [3,2]: [2,2]
  const std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {1, -1, 2, 0.5f};
  std::vector<float> tn(6);
  moe::train::f32_matmul_tn__scalar(a.data(), b.data(), tn.data(), 2, 3, 2);
  CHECK(tn == std::vector<float>{9, 1, 12, 0.5f, 15, 0});
  const std::vector<float> b3 = {1, 0, 0, 1, 1, 1};
  std::vector<float> nn(4);
  moe::train::f32_matmul_nn__scalar(a.data(), b3.data(), nn.data(), 2, 3, 2);
  CHECK(nn == std::vector<float>{4, 5, 10, 11});
}

TEST_CASE("f32_silu_gate_forward matches the scalar reference, with and without u") {
  for (size_t n : {0, 1, 3, 4, 5, 7, 8, 9, 17, 1000}) {
    const auto a = random_floats(n, 7 + n, -20.0f, 20.0f), u = random_floats(n, 8 + n, -2, 2);
    for (bool gated : {true, false}) {
      const float* up = gated ? u.data() : nullptr;
      std::vector<float> sig(n), hid(n), sig_ref(n), hid_ref(n);
      moe::train::f32_silu_gate_forward(a.data(), up, sig.data(), hid.data(), n);
      moe::train::f32_silu_gate_forward__scalar(a.data(), up, sig_ref.data(), hid_ref.data(), n);
      const std::string what = "n=" + std::to_string(n) + (gated ? " swiglu" : " silu");
      check_close(sig, sig_ref, 1e-7, 1e-5, what + " sig");
      check_close(hid, hid_ref, 1e-7, 1e-5, what + " hid");
    }
  }
  const float a[] = {0.0f, 2.0f}, u[] = {5.0f, 3.0f};
  float sig[2], hid[2];
  moe::train::f32_silu_gate_forward__scalar(a, u, sig, hid, 2);
  CHECK(sig[0] == 0.5f);
  CHECK(hid[0] == 0.0f);
  CHECK(hid[1] == doctest::Approx(2.0 / (1.0 + std::exp(-2.0)) * 3.0).epsilon(1e-6));
}

TEST_CASE("f32_silu_gate_backward matches the scalar reference and a finite difference") {
  for (size_t n : {1, 3, 4, 5, 8, 9, 17, 1000}) {
    const auto a = random_floats(n, 11 + n, -8.0f, 8.0f), u = random_floats(n, 12 + n, -2, 2);
    const auto dhid = random_floats(n, 13 + n, -1, 1);
    std::vector<float> sig(n), hid(n);
    moe::train::f32_silu_gate_forward__scalar(a.data(), u.data(), sig.data(), hid.data(), n);
    for (bool gated : {true, false}) {
      const float* up = gated ? u.data() : nullptr;
      std::vector<float> da(n), du(n, -3.0f), da_ref(n), du_ref(n, -3.0f);
      moe::train::f32_silu_gate_backward(a.data(), up, sig.data(), dhid.data(), da.data(),
                                         du.data(), n);
      moe::train::f32_silu_gate_backward__scalar(a.data(), up, sig.data(), dhid.data(),
                                                 da_ref.data(), du_ref.data(), n);
      const std::string what = "n=" + std::to_string(n) + (gated ? " swiglu" : " silu");
      check_close(da, da_ref, 1e-7, 1e-5, what + " da");
      check_close(du, du_ref, 1e-7, 1e-5, what + " du");
    }
  }
  // ∂hid/∂a and ∂hid/∂u of hid = silu(a)·u, in double from the same definition
  const double h = 1e-4;
  for (double a : {-3.0, -0.5, 0.0, 0.7, 4.0}) {
    const double u = 1.5;
    auto hid = [](double x, double y) { return x / (1.0 + std::exp(-x)) * y; };
    const float af = static_cast<float>(a), uf = static_cast<float>(u), one = 1.0f;
    float sig, hd, da, du;
    moe::train::f32_silu_gate_forward__scalar(&af, &uf, &sig, &hd, 1);
    moe::train::f32_silu_gate_backward__scalar(&af, &uf, &sig, &one, &da, &du, 1);
    CHECK(da == doctest::Approx((hid(a + h, u) - hid(a - h, u)) / (2 * h)).epsilon(1e-4));
    CHECK(du == doctest::Approx((hid(a, u + h) - hid(a, u - h)) / (2 * h)).epsilon(1e-4));
  }
}

TEST_CASE("f32_adam_update matches the scalar reference; its first step moves by lr·sign(g)") {
  moe::train::AdamStep s;
  s.lr = 0.01f;
  s.beta1 = 0.9f;
  s.beta2 = 0.999f;
  s.eps = 1e-8f;
  for (size_t n : {1, 3, 4, 5, 8, 9, 17, 1001}) {
    auto w = random_floats(n, 21 + n), m = random_floats(n, 22 + n, -0.1f, 0.1f);
    auto v = random_floats(n, 23 + n, 0.0f, 0.01f);
    auto w_ref = w, m_ref = m, v_ref = v;
    for (int t = 1; t <= 3; ++t) {  // three steps with fresh gradients
      const auto g = random_floats(n, 1000 * t + n);
      s.c1 = static_cast<float>(1.0 - std::pow(0.9, t));
      s.c2 = static_cast<float>(1.0 - std::pow(0.999, t));
      moe::train::f32_adam_update(s, g.data(), m.data(), v.data(), w.data(), n);
      moe::train::f32_adam_update__scalar(s, g.data(), m_ref.data(), v_ref.data(), w_ref.data(), n);
    }
    const std::string what = "n=" + std::to_string(n);
    check_close(m, m_ref, 1e-8, 1e-5, what + " m");
    check_close(v, v_ref, 1e-10, 1e-5, what + " v");
    check_close(w, w_ref, 1e-7, 1e-5, what + " w");
  }
  // From m = v = 0, step 1: m/c1 = g and √(v/c2) = |g|, so w moves by lr · g / (|g| + ε).
  std::vector<float> g = {0.5f, -2.0f, 1e-3f, -0.25f, 3.0f}, w(5, 1.0f), m(5, 0.0f), v(5, 0.0f);
  s.c1 = 1.0f - s.beta1;
  s.c2 = 1.0f - s.beta2;
  moe::train::f32_adam_update(s, g.data(), m.data(), v.data(), w.data(), g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    CHECK(w[i] == doctest::Approx(1.0 - (g[i] > 0 ? 0.01 : -0.01)).epsilon(1e-5));
  }
}

TEST_CASE("f32_sum_squares matches the scalar reference") {
  for (size_t n : {0, 1, 3, 4, 5, 9, 49408}) {
    const auto x = random_floats(n, 31 + n, -3.0f, 3.0f);
    const double got = moe::train::f32_sum_squares(x.data(), n);
    const double ref = moe::train::f32_sum_squares__scalar(x.data(), n);
    CHECK_MESSAGE(got == doctest::Approx(ref).epsilon(1e-12), "n=" << n);
  }
  const float x[] = {3.0f, -4.0f};
  CHECK(moe::train::f32_sum_squares(x, 2) == 25.0);
}

TEST_CASE("f32_dot matches the scalar reference") {
  for (size_t n : {0, 1, 3, 4, 5, 8, 9, 32, 33, 1000}) {
    const auto x = random_floats(n, 41 + n), y = random_floats(n, 42 + n);
    double bound = 0;  // Σ|x·y|: the scale of the rounding error
    for (size_t i = 0; i < n; ++i) bound += std::fabs(static_cast<double>(x[i]) * y[i]);
    const float got = moe::train::f32_dot(x.data(), y.data(), n);
    const float ref = moe::train::f32_dot__scalar(x.data(), y.data(), n);
    CHECK_MESSAGE(std::fabs(got - ref) <= 1e-5 * bound + 1e-30, "n=" << n);
  }
  const float x[] = {1, 2, 3, 4, 5}, y[] = {5, 4, 3, 2, 1};
  CHECK(moe::train::f32_dot(x, y, 5) == 35.0f);
}

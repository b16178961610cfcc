// Kernel tests, generated from one list of variants per signature (XNNPACK style): every SIMD
// variant and every dispatcher against its scalar reference, at sizes below, equal to, above and
// a multiple of the SIMD width (the native width and 4), and in place where the op allows it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/kernels/kernels.hpp"
#include "moe/kernels/kernels_simd.hpp"
#include "test_support.hpp"

namespace {

using moe_test::check_close;
using moe_test::random_floats;
using Arch = xsimd::default_arch;

using UnaryFn = void (*)(const float*, float*, size_t);
using BinaryFn = void (*)(const float*, const float*, float*, size_t);
using SoftmaxFn = void (*)(const float*, float*, size_t, size_t);
using MatmulFn = void (*)(const float*, const float*, float*, size_t, size_t, size_t);
using AxpyFn = void (*)(float, const float*, float*, size_t);

struct UnaryVariant {
  const char* name;
  UnaryFn fn;
  UnaryFn ref;
  float lo, hi;  // input range
  double abs_tol, rel_tol;
};

const UnaryVariant kUnaryVariants[] = {
    {"f32_exp__xsimd", moe::f32_exp__xsimd<Arch>, moe::f32_exp__scalar, -80.0f, 80.0f, 0, 1e-6},
    {"f32_exp", moe::f32_exp, moe::f32_exp__scalar, -80.0f, 80.0f, 0, 1e-6},
    {"f32_relu__xsimd", moe::f32_relu__xsimd<Arch>, moe::f32_relu__scalar, -4.0f, 4.0f, 0, 0},
    {"f32_relu", moe::f32_relu, moe::f32_relu__scalar, -4.0f, 4.0f, 0, 0},
    {"f32_gelu__xsimd", moe::f32_gelu__xsimd<Arch>, moe::f32_gelu__scalar, -6.0f, 6.0f, 1e-6, 1e-6},
    {"f32_gelu", moe::f32_gelu, moe::f32_gelu__scalar, -6.0f, 6.0f, 1e-6, 1e-6},
    {"f32_silu__xsimd", moe::f32_silu__xsimd<Arch>, moe::f32_silu__scalar, -20.0f, 20.0f, 1e-7,
     1e-6},
    {"f32_silu", moe::f32_silu, moe::f32_silu__scalar, -20.0f, 20.0f, 1e-7, 1e-6},
};

struct BinaryVariant {
  const char* name;
  BinaryFn fn;
  BinaryFn ref;
};
const BinaryVariant kSwigluVariants[] = {
    {"f32_swiglu__xsimd", moe::f32_swiglu__xsimd<Arch>, moe::f32_swiglu__scalar},
    {"f32_swiglu", moe::f32_swiglu, moe::f32_swiglu__scalar},
};

// A kernel variant under its name, for signatures whose test names the reference it compares with.
template <class Fn>
struct Variant {
  const char* name;
  Fn fn;
};
using SoftmaxVariant = Variant<SoftmaxFn>;
using MatmulVariant = Variant<MatmulFn>;
using AxpyVariant = Variant<AxpyFn>;
const SoftmaxVariant kSoftmaxVariants[] = {
    {"f32_softmax_rows__xsimd", moe::f32_softmax_rows__xsimd<Arch>},
    {"f32_softmax_rows", moe::f32_softmax_rows},
};
const MatmulVariant kMatmulVariants[] = {
    {"f32_matmul__xsimd", moe::f32_matmul__xsimd<Arch>},
    {"f32_matmul", moe::f32_matmul},
};
const AxpyVariant kAxpyVariants[] = {
    {"f32_axpy__xsimd", moe::f32_axpy__xsimd<Arch>},
    {"f32_axpy", moe::f32_axpy},
};

// Below, equal to, above and multiples of each tile width.
std::vector<size_t> test_sizes() {
  std::set<size_t> s;
  for (size_t w : {moe::f32_simd_width(), size_t{4}}) {
    for (size_t n : {size_t{1}, w - 1, w, w + 1, 2 * w, 2 * w + 1, 4 * w, 4 * w + 3}) {
      if (n > 0) s.insert(n);
    }
  }
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("the SIMD width is a power of two the sizes cover") {
  const size_t w = moe::f32_simd_width();
  CHECK(w >= 1);
  CHECK((w & (w - 1)) == 0);
  CHECK(test_sizes().size() >= 6);
}

TEST_CASE("unary kernels match their scalar reference, out of place and in place") {
  for (const UnaryVariant& v : kUnaryVariants) {
    for (size_t n : test_sizes()) {
      CAPTURE(v.name);
      CAPTURE(n);
      const std::vector<float> x = random_floats(n, 1000 + n, v.lo, v.hi);
      std::vector<float> expected(n), actual(n, -7.0f);
      v.ref(x.data(), expected.data(), n);
      v.fn(x.data(), actual.data(), n);
      check_close(actual, expected, v.abs_tol, v.rel_tol, std::string(v.name) + " out of place");
      std::vector<float> in_place = x;
      v.fn(in_place.data(), in_place.data(), n);
      check_close(in_place, expected, v.abs_tol, v.rel_tol, std::string(v.name) + " in place");
    }
  }
}

TEST_CASE("SIMD exp is accurate against double precision, and saturates at the ends") {
  const size_t n = 4096;
  std::vector<float> x(n), y(n);
  for (size_t i = 0; i < n; ++i) x[i] = -87.0f + 175.0f * static_cast<float>(i) / (n - 1);
  x[n - 1] = 88.0f;
  moe::f32_exp__xsimd<Arch>(x.data(), y.data(), n);
  double worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double e = std::exp(static_cast<double>(x[i]));
    worst = std::max(worst, std::fabs(y[i] - e) / e);
  }
  CHECK(worst < 1e-6);
  std::vector<float> edge = {-1000.0f, -100.0f, 0.0f, 1000.0f};
  std::vector<float> out(4);
  moe::f32_exp__xsimd<Arch>(edge.data(), out.data(), 4);
  CHECK(out[0] == 0.0f);
  CHECK(out[1] == 0.0f);
  CHECK(out[2] == doctest::Approx(1.0f).epsilon(1e-7));
  CHECK(std::isfinite(out[3]));
}

TEST_CASE(
    "SIMD silu at the ends of exp's range: x itself above, a signed zero-ish below, NaN kept") {
  // 4 lanes twice: past where e^-x is clamped (x > 87.3) silu(x) must be x exactly; below -88,
  // where e^-x saturates at e^88, a tiny non-positive number; NaN stays NaN.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {87.0f, 87.5f, 100.0f, 1e30f, -87.5f, -100.0f, -1000.0f, nan};
  std::vector<float> y(x.size());
  moe::f32_silu__xsimd<Arch>(x.data(), y.data(), x.size());
  CHECK(y[0] == doctest::Approx(87.0f).epsilon(1e-7));
  CHECK(y[1] == 87.5f);
  CHECK(y[2] == 100.0f);
  CHECK(y[3] == 1e30f);
  for (size_t i = 4; i < 7; ++i) {
    CAPTURE(x[i]);
    CHECK(y[i] <= 0.0f);
    CHECK(y[i] > -1e-30f);
  }
  CHECK(std::isnan(y[7]));
}

TEST_CASE("SIMD gelu follows the exact erf form, not the tanh approximation") {
  // At x = 1: exact 0.8413447, tanh form 0.8411920 -- apart by 1.5e-4.
  std::vector<float> x(8, 1.0f), y(8);
  moe::f32_gelu__xsimd<Arch>(x.data(), y.data(), 8);
  for (float v : y) CHECK(v == doctest::Approx(0.84134475).epsilon(1e-6));
}

TEST_CASE("swiglu matches its reference, in place over gate and over up") {
  for (const BinaryVariant& v : kSwigluVariants) {
    for (size_t n : test_sizes()) {
      CAPTURE(v.name);
      CAPTURE(n);
      const std::vector<float> gate = random_floats(n, 2000 + n, -8.0f, 8.0f);
      const std::vector<float> up = random_floats(n, 3000 + n, -2.0f, 2.0f);
      std::vector<float> expected(n), actual(n);
      v.ref(gate.data(), up.data(), expected.data(), n);
      v.fn(gate.data(), up.data(), actual.data(), n);
      check_close(actual, expected, 1e-7, 1e-6, std::string(v.name));
      std::vector<float> g = gate, u = up;
      v.fn(g.data(), up.data(), g.data(), n);
      check_close(g, expected, 1e-7, 1e-6, std::string(v.name) + " in place (gate)");
      v.fn(gate.data(), u.data(), u.data(), n);
      check_close(u, expected, 1e-7, 1e-6, std::string(v.name) + " in place (up)");
    }
  }
}

TEST_CASE("axpy matches its reference") {
  for (const AxpyVariant& v : kAxpyVariants) {
    for (size_t n : test_sizes()) {
      CAPTURE(v.name);
      CAPTURE(n);
      const std::vector<float> x = random_floats(n, 4000 + n);
      std::vector<float> expected = random_floats(n, 5000 + n), actual = expected;
      moe::f32_axpy__scalar(0.37f, x.data(), expected.data(), n);
      v.fn(0.37f, x.data(), actual.data(), n);
      check_close(actual, expected, 1e-7, 1e-7, v.name);
    }
  }
}

TEST_CASE("row softmax matches its reference and sums to 1, in place too") {
  for (const SoftmaxVariant& v : kSoftmaxVariants) {
    for (size_t cols : test_sizes()) {
      CAPTURE(v.name);
      CAPTURE(cols);
      const size_t rows = 3;
      std::vector<float> x = random_floats(rows * cols, 6000 + cols, -10.0f, 10.0f);
      x[0] = 50.0f;                // a dominant logit must not overflow
      x[rows * cols - 1] = 60.0f;  // the last row's max in its last column (the scalar tail)
      std::vector<float> expected(rows * cols), actual(rows * cols);
      moe::f32_softmax_rows__scalar(x.data(), expected.data(), rows, cols);
      v.fn(x.data(), actual.data(), rows, cols);
      check_close(actual, expected, 1e-7, 1e-5, std::string(v.name));
      for (size_t r = 0; r < rows; ++r) {
        double sum = 0.0;
        for (size_t c = 0; c < cols; ++c) sum += actual[r * cols + c];
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
      }
      v.fn(x.data(), x.data(), rows, cols);
      check_close(x, expected, 1e-7, 1e-5, std::string(v.name) + " in place");
    }
  }
}

TEST_CASE("causal row softmax: row r is the softmax of its first visible0 + r columns, 0 after") {
  using CausalFn = void (*)(const float*, float*, size_t, size_t, size_t);
  const Variant<CausalFn> variants[] = {
      {"f32_softmax_rows_causal__scalar", moe::f32_softmax_rows_causal__scalar},
      {"f32_softmax_rows_causal__xsimd", moe::f32_softmax_rows_causal__xsimd<Arch>},
      {"f32_softmax_rows_causal", moe::f32_softmax_rows_causal}};
  for (const auto& v : variants) {
    for (size_t cols : test_sizes()) {
      for (size_t visible0 : {size_t{1}, (cols + 1) / 2}) {
        const size_t rows = cols - visible0 + 1;  // the last row sees every column
        CAPTURE(v.name);
        CAPTURE(cols);
        CAPTURE(visible0);
        const std::vector<float> x = random_floats(rows * cols, 6100 + cols + visible0, -10, 10);
        std::vector<float> actual(rows * cols, -7.0f), in_place = x;
        v.fn(x.data(), actual.data(), rows, cols, visible0);
        v.fn(in_place.data(), in_place.data(), rows, cols, visible0);
        CHECK(in_place == actual);
        for (size_t r = 0; r < rows; ++r) {
          const size_t visible = visible0 + r;
          std::vector<float> want(visible), row(visible);
          moe::f32_softmax_rows__scalar(x.data() + r * cols, want.data(), 1, visible);
          moe::f32_softmax_rows(x.data() + r * cols, row.data(), 1, visible);
          const std::vector<float> got(actual.begin() + static_cast<long>(r * cols),
                                       actual.begin() + static_cast<long>(r * cols + visible));
          check_close(got, want, 1e-7, 1e-5, v.name);
          if (v.fn != moe::f32_softmax_rows_causal__scalar) CHECK(got == row);  // same bits
          for (size_t c = visible; c < cols; ++c) CHECK(actual[r * cols + c] == 0.0f);
        }
      }
    }
  }
}

TEST_CASE("matmul y = x · Wᵀ matches its reference for every tail shape") {
  for (const MatmulVariant& v : kMatmulVariants) {
    for (size_t in : test_sizes()) {
      for (size_t out : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{8}, size_t{9}}) {
        for (size_t rows : {size_t{1}, size_t{3}}) {
          CAPTURE(v.name);
          CAPTURE(in);
          CAPTURE(out);
          CAPTURE(rows);
          const std::vector<float> x = random_floats(rows * in, 7000 + in * 31 + out);
          const std::vector<float> w = random_floats(out * in, 8000 + in * 17 + out);
          std::vector<float> expected(rows * out), actual(rows * out, -7.0f);
          moe::f32_matmul__scalar(x.data(), w.data(), expected.data(), rows, in, out);
          v.fn(x.data(), w.data(), actual.data(), rows, in, out);
          check_close(actual, expected, 1e-5, 1e-5, v.name);
        }
      }
    }
  }
}

// The register-tiled GEMM: rows and outputs below, equal to, above and multiples of the 4×8 tile.
namespace {
using TiledFn = void (*)(const float*, const float*, float*, size_t, size_t, size_t);
void tiled_on_the_fly(const float* x, const float* w, float* y, size_t rows, size_t in,
                      size_t out) {
  std::vector<float> panel(in * moe::kMatmulPanel + 1);
  moe::f32_matmul_tiled__xsimd<Arch>(x, w, y, rows, in, out, panel.data() + 1);  // unaligned
}
// Packs w with f32_pack_nt, then runs the packed matmul Matmul on it.
template <void (*Matmul)(const float*, const float*, float*, size_t, size_t, size_t)>
void packed_with(const float* x, const float* w, float* y, size_t rows, size_t in, size_t out) {
  std::vector<float> packed(moe::f32_pack_nt_size(in, out));
  moe::f32_pack_nt(w, packed.data(), in, out);
  Matmul(x, packed.data(), y, rows, in, out);
}
constexpr auto packed_scalar = packed_with<moe::f32_matmul_packed__scalar>;
constexpr auto packed_dispatch = packed_with<moe::f32_matmul_packed>;
constexpr auto packed_splat = packed_with<moe::f32_matmul_packed__splat>;
constexpr auto packed_splat_vex = packed_with<moe::f32_matmul_packed__splat_vex>;
constexpr auto packed_rows = packed_with<moe::f32_matmul_packed__rows>;
void packed_xsimd(const float* x, const float* w, float* y, size_t rows, size_t in, size_t out) {
  std::vector<float> packed(moe::f32_pack_nt_size__xsimd<Arch>(in, out));
  moe::f32_pack_nt__xsimd<Arch>(w, packed.data(), in, out);
  moe::f32_matmul_packed__xsimd<Arch>(x, packed.data(), y, rows, in, out);
}
using TiledVariant = Variant<TiledFn>;
const TiledVariant kTiledVariants[] = {
    {"f32_matmul_tiled__xsimd", tiled_on_the_fly},
    {"f32_matmul_packed__scalar", packed_scalar},
    {"f32_matmul_packed__xsimd", packed_xsimd},
    {"f32_matmul_packed__splat", packed_splat},          // the native choice for rows >= 6
    {"f32_matmul_packed__splat_vex", packed_splat_vex},  // the same on CPUs with AVX
    {"f32_matmul_packed__rows", packed_rows},            // the wasm choice for rows >= 4
    {"f32_matmul_packed", packed_dispatch},
    {"f32_matmul", moe::f32_matmul},
};
}  // namespace

TEST_CASE("tiled and packed matmul match the reference below, at, above and past the 4x8 tile") {
  if (moe::simd::gemm_nr<Arch>() != moe::kMatmulPanel) return;  // packed format is 8 wide
  for (const TiledVariant& v : kTiledVariants) {
    for (size_t rows : {size_t{1}, size_t{2}, size_t{3}, size_t{4}, size_t{5}, size_t{7}, size_t{8},
                        size_t{9}, size_t{12}, size_t{13}}) {
      for (size_t out :
           {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{16}, size_t{17}, size_t{24}}) {
        for (size_t in : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{8}, size_t{33}}) {
          CAPTURE(v.name);
          CAPTURE(rows);
          CAPTURE(out);
          CAPTURE(in);
          const std::vector<float> x = random_floats(rows * in, 9000 + rows * 131 + in * 7 + out);
          const std::vector<float> w = random_floats(out * in, 9500 + in * 19 + out);
          std::vector<float> expected(rows * out), actual(rows * out, -7.0f);
          moe::f32_matmul__scalar(x.data(), w.data(), expected.data(), rows, in, out);
          v.fn(x.data(), w.data(), actual.data(), rows, in, out);
          check_close(actual, expected, 1e-5, 1e-5, v.name);
        }
      }
    }
  }
}

TEST_CASE("splatted packed matmul matches the reference across its row blocks and remainders") {
  // in = 1100 leaves room for one 6-row tile per block, so 23 rows are blocks of 6, 6 and 6 plus
  // a 5-row remainder (tiles of 4 and 1, split as the plain tiles split it); 7 rows end in a 1-row
  // remainder; 17 outputs end in a partial panel.
  const size_t in = 1100, out = 17;
  for (size_t rows : {size_t{6}, size_t{7}, size_t{12}, size_t{23}}) {
    CAPTURE(rows);
    const std::vector<float> x = random_floats(rows * in, 9700 + rows);
    const std::vector<float> w = random_floats(out * in, 9800);
    std::vector<float> expected(rows * out), actual(rows * out, -7.0f);
    moe::f32_matmul__scalar(x.data(), w.data(), expected.data(), rows, in, out);
    packed_splat(x.data(), w.data(), actual.data(), rows, in, out);
    check_close(actual, expected, 1e-4, 1e-4, "f32_matmul_packed__splat");
    // The AVX build of the same code sums the same terms in the same order: the same bits.
    std::vector<float> vex(rows * out, -7.0f);
    packed_splat_vex(x.data(), w.data(), vex.data(), rows, in, out);
    CHECK(vex == actual);
    // The rows past the last whole 6-row tile get the plain tiles' bits for those rows alone.
    if (moe::simd::gemm_nr<Arch>() == moe::kMatmulPanel) {
      const size_t full = rows / 6 * 6;
      std::vector<float> tail((rows - full) * out);
      packed_xsimd(x.data() + full * in, w.data(), tail.data(), rows - full, in, out);
      CHECK(std::equal(tail.begin(), tail.end(), actual.begin() + static_cast<long>(full * out)));
    }
  }
}

TEST_CASE("row-packed matmul gives the plain 4x8 tile's bits across its row blocks") {
  // in = 12301 makes each block one 4-row tile, so 11 rows are blocks of 4 and 4 plus a 3-row
  // remainder (1 or 2 rows sum even and odd i apart, as the plain tile does); 9 outputs end in a
  // partial panel.
  if (moe::simd::gemm_nr<Arch>() != moe::kMatmulPanel) return;  // packed format is 8 wide
  const size_t in = 12301, out = 9;
  for (size_t rows : {size_t{4}, size_t{5}, size_t{6}, size_t{7}, size_t{9}, size_t{11}}) {
    CAPTURE(rows);
    const std::vector<float> x = random_floats(rows * in, 9900 + rows);
    const std::vector<float> w = random_floats(out * in, 9950);
    std::vector<float> expected(rows * out), plain(rows * out), actual(rows * out, -7.0f);
    moe::f32_matmul__scalar(x.data(), w.data(), expected.data(), rows, in, out);
    packed_rows(x.data(), w.data(), actual.data(), rows, in, out);
    check_close(actual, expected, 1e-3, 1e-3, "f32_matmul_packed__rows");
    packed_xsimd(x.data(), w.data(), plain.data(), rows, in, out);
    CHECK(actual == plain);
  }
}

TEST_CASE("several products of one x give each product's own bits, across row blocks and counts") {
  // Q, K and V (or an expert's w1 and w3) share one arrangement of x's rows; each y must be what
  // f32_matmul_packed gives alone. 6 products exceed the 4 arranged at a time; in = 1100 makes
  // several row blocks natively; 1-3 rows take the plain tiles; outputs of 5, 8, 17 and 24 end
  // in partial and whole panels.
  const size_t in = 1100;
  const size_t outs[] = {17, 8, 5, 24, 9, 16};
  for (size_t rows : {size_t{1}, size_t{3}, size_t{4}, size_t{7}, size_t{23}}) {
    for (size_t n_products : {size_t{1}, size_t{3}, size_t{6}}) {
      CAPTURE(rows);
      CAPTURE(n_products);
      const std::vector<float> x = random_floats(rows * in, 9600 + rows);
      std::vector<std::vector<float>> packed(n_products), alone(n_products), shared(n_products);
      std::vector<moe::PackedProduct> products;
      for (size_t p = 0; p < n_products; ++p) {
        const std::vector<float> w = random_floats(outs[p] * in, 9650 + p);
        packed[p].resize(moe::f32_pack_nt_size(in, outs[p]));
        moe::f32_pack_nt(w.data(), packed[p].data(), in, outs[p]);
        alone[p].resize(rows * outs[p]);
        moe::f32_matmul_packed(x.data(), packed[p].data(), alone[p].data(), rows, in, outs[p]);
        shared[p].assign(rows * outs[p], -7.0f);
        products.push_back({packed[p].data(), shared[p].data(), outs[p]});
      }
      moe::f32_matmul_packed_many(x.data(), rows, in, products);
      for (size_t p = 0; p < n_products; ++p) {
        CAPTURE(p);
        CHECK(shared[p] == alone[p]);
      }
    }
  }
}

TEST_CASE("values-layout packing and the prefix matmul match the reference over any prefix") {
  // w is stored [n, out] (row stride ldw > out, as attention's values in the cache); the product
  // over its first `in` rows is y[t,o] = Σ_{i<in} x[t,i] · w[i,o].
  using LdFn = void (*)(const float*, const float*, size_t, float*, size_t, size_t, size_t);
  const Variant<LdFn> variants[] = {
      {"f32_matmul_packed_ld__scalar", moe::f32_matmul_packed_ld__scalar},
      {"f32_matmul_packed_ld", moe::f32_matmul_packed_ld}};
  for (const auto& v : variants) {
    for (size_t rows : {size_t{1}, size_t{2}, size_t{3}, size_t{4}, size_t{5}, size_t{9},
                        size_t{16}, size_t{17}}) {
      for (size_t out : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{17}, size_t{32}}) {
        for (size_t n : {size_t{1}, size_t{5}, size_t{8}, size_t{33}}) {
          for (size_t in : {size_t{1}, n / 2, n}) {
            if (in == 0) continue;
            CAPTURE(v.name);
            CAPTURE(rows);
            CAPTURE(out);
            CAPTURE(n);
            CAPTURE(in);
            const size_t ldw = out + 3;
            const std::vector<float> x = random_floats(rows * in, 9100 + rows * 7 + in + out * 3);
            const std::vector<float> w = random_floats(n * ldw, 9200 + n + out);
            std::vector<float> wt(out * in);  // [out, in] torch layout of the first in rows
            for (size_t o = 0; o < out; ++o) {
              for (size_t i = 0; i < in; ++i) wt[o * in + i] = w[i * ldw + o];
            }
            std::vector<float> packed(moe::f32_pack_nt_size(n, out), -3.0f);
            moe::f32_pack_nn(w.data(), ldw, packed.data(), n, out);
            std::vector<float> expected(rows * out), actual(rows * out, -7.0f);
            moe::f32_matmul__scalar(x.data(), wt.data(), expected.data(), rows, in, out);
            v.fn(x.data(), packed.data(), n * moe::kMatmulPanel, actual.data(), rows, in, out);
            check_close(actual, expected, 1e-5, 1e-5, v.name);
            if (in == n) {  // the whole packing is an ordinary packed w: f32_matmul_packed agrees
              std::vector<float> plain(rows * out);
              moe::f32_matmul_packed(x.data(), packed.data(), plain.data(), rows, in, out);
              check_close(plain, expected, 1e-5, 1e-5, "f32_matmul_packed on f32_pack_nn");
            }
          }
        }
      }
    }
  }
  // w [2, 3] = [[1, 2, 3], [4, 5, 6]] stored with row stride 4 -> one panel [2, 8]
  const float w[] = {1, 2, 3, -1, 4, 5, 6, -1};
  std::vector<float> packed(moe::f32_pack_nt_size(2, 3), -1.0f);
  moe::f32_pack_nn(w, 4, packed.data(), 2, 3);
  const std::vector<float> expected = {1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0};
  CHECK(packed == expected);
}

TEST_CASE("copy copies exactly n floats at every size") {
  for (size_t n : test_sizes()) {
    CAPTURE(n);
    const std::vector<float> x = random_floats(n, 9300 + n);
    std::vector<float> y(n + 1, -7.0f);
    moe::f32_copy(x.data(), y.data(), n);
    CHECK(std::vector<float>(y.begin(), y.begin() + static_cast<long>(n)) == x);
    CHECK(y[n] == -7.0f);  // nothing past n
  }
}

TEST_CASE("packing puts output j of panel p at packed[p, i, j], zero past the last output") {
  // w [3, 2] = [[1, 2], [3, 4], [5, 6]] -> one panel [2, 8]
  const float w[] = {1, 2, 3, 4, 5, 6};
  std::vector<float> packed(moe::f32_pack_nt_size(2, 3), -1.0f);
  REQUIRE(packed.size() == 16);
  moe::f32_pack_nt(w, packed.data(), 2, 3);
  const std::vector<float> expected = {1, 3, 5, 0, 0, 0, 0, 0, 2, 4, 6, 0, 0, 0, 0, 0};
  CHECK(packed == expected);
}

TEST_CASE("matmul reference follows the torch layout") {
  // x [1, 2] = [1, 2]; W [3, 2] = [[1, 0], [0, 1], [3, 4]] -> y = [1, 2, 11]
  const float x[] = {1, 2};
  const float w[] = {1, 0, 0, 1, 3, 4};
  float y[3];
  moe::f32_matmul__scalar(x, w, y, 1, 2, 3);
  CHECK(y[0] == 1.0f);
  CHECK(y[1] == 2.0f);
  CHECK(y[2] == 11.0f);
  moe::f32_matmul(x, w, y, 1, 2, 3);
  CHECK(y[2] == 11.0f);
}

// Scalar reference kernels and the dispatchers that pick the SIMD variant for the build's
// architecture (xsimd::default_arch: SSE2 on a plain x86-64 build, SSE4.1 emulated on wasm128).
// With MOE_SCALAR (CMake option, the scalar benchmark build) every dispatcher calls the scalar
// reference and xsimd is not used at all.
#include "moe/kernels/kernels.hpp"

#include <cmath>
#include <cstring>
#include <vector>

#include "moe/kernels/kernels_scalar.hpp"
#if !MOE_SCALAR
#include "moe/kernels/kernels_simd.hpp"
#endif

namespace moe {

#if !MOE_SCALAR
using Arch = xsimd::default_arch;
constexpr bool kTiled = simd::gemm_nr<Arch>() == kMatmulPanel;  // the packed format is 8 wide
// x86 SSE2 has no broadcast load and only two-operand multiplies, so the plain 4×8 tile
// (kernels_simd.hpp) pays a shuffle per splat of x[t,i] and a copy per product, and ran the ref
// layer's matmuls at ~72% of the mul+add peak. Natively the packed matmul therefore splats each
// block of rows once, up front, and runs a 6×8 tile on the splatted rows (~81%;
// f32_matmul_packed__splat). wasm does not splat (v128.load32_splat is one load in V8) but puts
// each 4-row tile's rows side by side first (f32_matmul_packed__rows), which spares the plain
// tile's per-row address arithmetic (~7% faster in Chromium). -DMOE_SPLAT_ROWS=0 builds the
// plain tile natively too (to measure one against the other).
#if defined(__wasm__) || (defined(MOE_SPLAT_ROWS) && !MOE_SPLAT_ROWS)
constexpr bool kSplatRows = false;
#else
constexpr bool kSplatRows = kTiled;
#endif
// x86 compilers that can build one function for AVX inside an SSE2 build (below).
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__wasm__)
#define MOE_VEX 1
#else
#define MOE_VEX 0
#endif
#endif

void f32_matmul__scalar(const float* x, const float* w, float* y, size_t rows, size_t in,
                        size_t out) {
  for (size_t t = 0; t < rows; ++t) {
    for (size_t o = 0; o < out; ++o) {
      float s = 0.0f;
      for (size_t i = 0; i < in; ++i) s += x[t * in + i] * w[o * in + i];
      y[t * out + o] = s;
    }
  }
}

size_t f32_pack_nt_size(size_t in, size_t out) {
  return (out + kMatmulPanel - 1) / kMatmulPanel * kMatmulPanel * in;
}

void f32_pack_nt(const float* w, float* packed, size_t in, size_t out) {
#if !MOE_SCALAR
  if constexpr (kTiled) {  // the same floats, moved as 4×4 blocks transposed in registers
    f32_pack_nt__xsimd<Arch>(w, packed, in, out);
    return;
  }
#endif
  constexpr size_t NR = kMatmulPanel;
  for (size_t p = 0; p * NR < out; ++p) {
    float* panel = packed + p * NR * in;
    for (size_t i = 0; i < in; ++i) {
      for (size_t j = 0; j < NR; ++j) {
        panel[i * NR + j] = p * NR + j < out ? w[(p * NR + j) * in + i] : 0.0f;
      }
    }
  }
}

void f32_matmul_packed__scalar(const float* x, const float* packed, float* y, size_t rows,
                               size_t in, size_t out) {
  constexpr size_t NR = kMatmulPanel;
  for (size_t t = 0; t < rows; ++t) {
    for (size_t o = 0; o < out; ++o) {
      const float* panel = packed + (o / NR) * NR * in;
      float s = 0.0f;
      for (size_t i = 0; i < in; ++i) s += x[t * in + i] * panel[i * NR + o % NR];
      y[t * out + o] = s;
    }
  }
}

void f32_pack_nn(const float* w, size_t ldw, float* packed, size_t in, size_t out) {
  constexpr size_t NR = kMatmulPanel;
  for (size_t p = 0; p * NR < out; ++p) {
    float* panel = packed + p * NR * in;
    if ((p + 1) * NR <= out) {  // a whole panel: one row of 8 per i (a fixed-size, inline copy)
      for (size_t i = 0; i < in; ++i)
        std::memcpy(panel + i * NR, w + i * ldw + p * NR, sizeof(float) * NR);
      continue;
    }
    for (size_t i = 0; i < in; ++i) {
      for (size_t j = 0; j < NR; ++j) {
        panel[i * NR + j] = p * NR + j < out ? w[i * ldw + p * NR + j] : 0.0f;
      }
    }
  }
}

void f32_matmul_packed_ld__scalar(const float* x, const float* packed, size_t ld, float* y,
                                  size_t rows, size_t in, size_t out) {
  constexpr size_t NR = kMatmulPanel;
  for (size_t t = 0; t < rows; ++t) {
    for (size_t o = 0; o < out; ++o) {
      const float* panel = packed + (o / NR) * ld;
      float s = 0.0f;
      for (size_t i = 0; i < in; ++i) s += x[t * in + i] * panel[i * NR + o % NR];
      y[t * out + o] = s;
    }
  }
}

// In wasm a plain loop (no_builtin: clang would otherwise turn it back into a call to memcpy);
// natively the C library's memcpy, which is the faster there.
#if defined(__EMSCRIPTEN__)
__attribute__((no_builtin("memcpy"))) void f32_copy(const float* x, float* y, size_t n) {
  size_t i = 0;
#if !MOE_SCALAR
  using B = xsimd::batch<float, xsimd::default_arch>;
  for (; i + B::size <= n; i += B::size) B::load_unaligned(x + i).store_unaligned(y + i);
#endif
  for (; i < n; ++i) y[i] = x[i];
}
#else
void f32_copy(const float* x, float* y, size_t n) {
  if (n > 0) std::memcpy(y, x, n * sizeof(float));
}
#endif

void f32_softmax_rows__scalar(const float* x, float* y, size_t rows, size_t cols) {
  softmax_rows_reference(x, y, rows, cols);
}

void f32_softmax_rows_causal__scalar(const float* x, float* y, size_t rows, size_t cols,
                                     size_t visible0) {
  for (size_t r = 0; r < rows; ++r) {
    const size_t visible = visible0 + r;
    softmax_rows_reference(x + r * cols, y + r * cols, 1, visible);
    for (size_t c = visible; c < cols; ++c) y[r * cols + c] = 0.0f;
  }
}

void f32_exp__scalar(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void f32_relu__scalar(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = scalar::relu(x[i]);
}
void f32_gelu__scalar(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = scalar::gelu(x[i]);
}
void f32_silu__scalar(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = scalar::silu(x[i]);
}
void f32_swiglu__scalar(const float* gate, const float* up, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = scalar::silu(gate[i]) * up[i];
}
void f32_axpy__scalar(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

#if !MOE_SCALAR
namespace {

constexpr size_t kSplatMR = 6;  // rows per native tile
// wasm: rows per tile of the row-packed matmul (5 rows ran ~4% slower than 4 in Chromium, 4 ~7%
// faster than the plain 4×8 tile).
constexpr size_t kPackMR = 4;
// Arranged rows stay in L2 while every panel passes over them.
constexpr size_t kRowBlockBytes = 192 * 1024;

// The rows of x arranged for a tile of MR rows: xs[b, i, r, 0..E) = x[MR·b + r, i], in each of
// E lanes: E = W splats every x[t, i] into a whole vector (native), E = 1 only puts each tile's
// rows side by side (wasm). Either way the tile reads its rows at fixed offsets from one pointer.
//   x [rows, in] (rows a multiple of MR), xs [rows / MR, in, MR, E] (16-byte aligned)
template <class A, size_t MR, size_t E>
void arrange_rows(const float* x, float* xs, size_t rows, size_t in) {
  using B = xsimd::batch<float, A>;
  for (size_t t = 0; t < rows; t += MR) {
    float* dst = xs + t * in * E;
    size_t i = 0;
    if constexpr (E == 1 && MR == 4 && B::size == 4) {
      // 4 × 4 blocks transposed in registers (the compiler's own vectorisation of the loop below
      // stores lane by lane)
      using D = xsimd::batch<double, A>;
      const auto lo = [](B p, B q) {  // (p0, p1, q0, q1)
        return xsimd::bitwise_cast<B>(
            xsimd::zip_lo(xsimd::bitwise_cast<D>(p), xsimd::bitwise_cast<D>(q)));
      };
      const auto hi = [](B p, B q) {  // (p2, p3, q2, q3)
        return xsimd::bitwise_cast<B>(
            xsimd::zip_hi(xsimd::bitwise_cast<D>(p), xsimd::bitwise_cast<D>(q)));
      };
      for (; i + 4 <= in; i += 4) {
        const B v0 = B::load_unaligned(x + t * in + i),
                v1 = B::load_unaligned(x + (t + 1) * in + i);
        const B v2 = B::load_unaligned(x + (t + 2) * in + i),
                v3 = B::load_unaligned(x + (t + 3) * in + i);
        const B a = xsimd::zip_lo(v0, v1), b = xsimd::zip_hi(v0, v1);  // (v0₀ v1₀ v0₁ v1₁), (… ₂ ₃)
        const B c = xsimd::zip_lo(v2, v3), d = xsimd::zip_hi(v2, v3);
        lo(a, c).store_aligned(dst + i * MR);        // column i: v0₀ v1₀ v2₀ v3₀
        hi(a, c).store_aligned(dst + (i + 1) * MR);  // column i + 1
        lo(b, d).store_aligned(dst + (i + 2) * MR);
        hi(b, d).store_aligned(dst + (i + 3) * MR);
      }
    }
    for (; i < in; ++i) {
      for (size_t r = 0; r < MR; ++r) {
        if constexpr (E == 1) {
          dst[i * MR + r] = x[(t + r) * in + i];
        } else {
          B(x[(t + r) * in + i]).store_aligned(dst + (i * MR + r) * E);
        }
      }
    }
  }
}

// y[r, 0..nr) = Σ_i x[r, i] · panel[i, 0..nr) for r < MR from the arranged rows: per i two panel
// loads, then per row one splatted load (E = W: a plain load; E = 1: a load-and-splat) into each
// of two products, 2·MR mul + 2·MR add. Natively (SSE2) MR = 6 keeps 12 accumulators + 2 panel
// vectors + 2 products in the 16 registers; SSE's two-operand mul overwrites one factor, so a
// fresh load stands in for a register copy. On the test machine that ran the ref layer's matmuls
// at ~81% of the mul+add peak, where the plain 4×8 tile ran at ~72%. In wasm the plain tile's
// loads each needed their own address arithmetic (row pointer + i·4), which the arranged rows
// replace by one pointer step per i. Sums in ascending i with one mul and one add per term, like
// the reference and the plain tile. Natively the i loop is unrolled 4 times: the same terms in the
// same order, with less loop overhead (the ref layer ran ~1.5% faster).
//   xs [in, MR, E], panel [in, NR], y [MR, nr] (row stride ldy)
template <class A, size_t MR, size_t E>
void arranged_tile(const float* xs, const float* panel, float* y, size_t in, size_t ldy,
                   size_t nr) {
  using B = xsimd::batch<float, A>;
  constexpr size_t W = B::size, NR = 2 * W;
  B c0[MR], c1[MR];
  for (size_t r = 0; r < MR; ++r) c0[r] = c1[r] = B(0.0f);
  size_t i = 0;
  if constexpr (MR < 3) {
    // 1 or 2 rows (the last rows of a product): even and odd i in separate sums, added at the
    // end, as the plain tile does for so few rows (simd::gemm_tile): the same bits.
    B e0[MR], e1[MR];
    for (size_t r = 0; r < MR; ++r) e0[r] = e1[r] = B(0.0f);
    for (; i + 2 <= in; i += 2) {
      const B b0 = B::load_aligned(panel + i * NR), b1 = B::load_aligned(panel + i * NR + W);
      const B o0 = B::load_aligned(panel + (i + 1) * NR);
      const B o1 = B::load_aligned(panel + (i + 1) * NR + W);
      for (size_t r = 0; r < MR; ++r) {
        const B a = E == 1 ? B(xs[i * MR + r]) : B::load_aligned(xs + (i * MR + r) * E);
        const B odd =
            E == 1 ? B(xs[(i + 1) * MR + r]) : B::load_aligned(xs + ((i + 1) * MR + r) * E);
        c0[r] += a * b0;
        c1[r] += a * b1;
        e0[r] += odd * o0;
        e1[r] += odd * o1;
      }
    }
    for (; i < in; ++i) {
      const B b0 = B::load_aligned(panel + i * NR), b1 = B::load_aligned(panel + i * NR + W);
      for (size_t r = 0; r < MR; ++r) {
        const B a = E == 1 ? B(xs[i * MR + r]) : B::load_aligned(xs + (i * MR + r) * E);
        c0[r] += a * b0;
        c1[r] += a * b1;
      }
    }
    for (size_t r = 0; r < MR; ++r) {
      c0[r] += e0[r];
      c1[r] += e1[r];
    }
  }
#if !defined(__wasm__)  // in wasm the unrolled loop keeps more products live than V8 has registers
#pragma GCC unroll 4
#endif
  for (; i < in; ++i) {
    const B b0 = B::load_aligned(panel + i * NR);
    const B b1 = B::load_aligned(panel + i * NR + W);
    const float* xi = xs + i * MR * E;
    for (size_t r = 0; r < MR; ++r) {
      const B a = E == 1 ? B(xi[r]) : B::load_aligned(xi + r * E);
      c0[r] += a * b0;
      c1[r] += a * b1;
    }
  }
  for (size_t r = 0; r < MR; ++r) {
    float* yr = y + r * ldy;
    if (nr == NR) {
      c0[r].store_unaligned(yr);
      c1[r].store_unaligned(yr + W);
    } else {
      alignas(64) float tmp[NR];
      c0[r].store_aligned(tmp);
      c1[r].store_aligned(tmp + W);
      for (size_t j = 0; j < nr; ++j) yr[j] = tmp[j];
    }
  }
}

// One product of the arranged rows: y [rows, out] = x · w, panel p of w at packed + p·ld (ld =
// in·NR for a plain packed w; more for a prefix of its inputs).
struct ArrangedProduct {
  const float* packed;
  size_t ld;
  float* y;
  size_t out;
};

// R (<= 4) of the last rows of the products below, arranged as one tile of R rows: the same sums
// as the plain tile's (simd::gemm_tile) without its per-row address arithmetic (in wasm the plain
// tiles took ~4% of a prefill, for these rows).
//   x [R, in] (row `row0` of each y), xs >= in·R·E floats
template <class A, size_t R, size_t E>
void leftover_rows(const float* x, const ArrangedProduct* products, size_t n_products, size_t row0,
                   size_t in, std::vector<float>& xs) {
  constexpr size_t NR = kMatmulPanel;
  arrange_rows<A, R, E>(x, xs.data(), R, in);
  for (size_t p = 0; p < n_products; ++p) {
    const ArrangedProduct& pr = products[p];
    for (size_t o0 = 0; o0 < pr.out; o0 += NR) {
      arranged_tile<A, R, E>(xs.data(), pr.packed + o0 / NR * pr.ld, pr.y + row0 * pr.out + o0, in,
                             pr.out, pr.out - o0 < NR ? pr.out - o0 : NR);
    }
  }
}

// The packed matmuls of one x over arranged rows: blocks of rows are arranged once, for every
// product every panel passes over a block, and the last rows % MR are arranged tiles of fewer
// rows (leftover_rows). Each y gets
// the same sums in the same order as alone, so sharing the arrangement (Q, K and V; an expert's
// w1 and w3) changes no bits.
//   x [rows, in], each packed [ceil(out/NR), in, NR], each y [rows, out]
template <class A, size_t MR, size_t E>
inline void matmul_arranged_rows(const float* x, const ArrangedProduct* products, size_t n_products,
                                 size_t rows, size_t in) {
  if constexpr (!kTiled) {
    for (size_t p = 0; p < n_products; ++p) {
      f32_matmul_packed_ld__scalar(x, products[p].packed, products[p].ld, products[p].y, rows, in,
                                   products[p].out);
    }
  } else {
    constexpr size_t NR = kMatmulPanel;
    const size_t full = rows / MR * MR;  // rows in whole tiles
    const size_t fit = kRowBlockBytes / (in * MR * E * sizeof(float)) * MR;
    const size_t block = fit < MR ? MR : fit;
    thread_local std::vector<float> xs;  // [block / MR, in, MR, E]
    if (xs.size() < block * in * E) xs.resize(block * in * E);
    for (size_t t0 = 0; t0 < full; t0 += block) {
      const size_t nb = full - t0 < block ? full - t0 : block;
      arrange_rows<A, MR, E>(x + t0 * in, xs.data(), nb, in);
      for (size_t p = 0; p < n_products; ++p) {
        const ArrangedProduct& pr = products[p];
        for (size_t o0 = 0; o0 < pr.out; o0 += NR) {
          const float* panel = pr.packed + o0 / NR * pr.ld;  // panel o0 / NR: [in, NR]
          const size_t nr = pr.out - o0 < NR ? pr.out - o0 : NR;
          for (size_t t = 0; t < nb; t += MR) {
            arranged_tile<A, MR, E>(xs.data() + t * in * E, panel, pr.y + (t0 + t) * pr.out + o0,
                                    in, pr.out, nr);
          }
        }
      }
    }
    // The last rows % MR as the plain tiles would split them (tiles of 4, then 3, 2 or 1), each
    // one arranged tile: the same sums.
    size_t t = full;
    for (; t + 4 <= rows; t += 4)
      leftover_rows<A, 4, E>(x + t * in, products, n_products, t, in, xs);
    switch (rows - t) {
      case 1:
        return leftover_rows<A, 1, E>(x + t * in, products, n_products, t, in, xs);
      case 2:
        return leftover_rows<A, 2, E>(x + t * in, products, n_products, t, in, xs);
      case 3:
        return leftover_rows<A, 3, E>(x + t * in, products, n_products, t, in, xs);
      default:
        return;
    }
  }
}

// One product of plain packed w: ld = in·NR.
template <class A, size_t MR, size_t E>
inline void matmul_arranged_rows(const float* x, const float* packed, size_t ld, float* y,
                                 size_t rows, size_t in, size_t out) {
  const ArrangedProduct one{packed, ld, y, out};
  matmul_arranged_rows<A, MR, E>(x, &one, 1, rows, in);
}

// The public products as arranged ones (at most kMaxProducts at a time).
constexpr size_t kMaxProducts = 4;
size_t arranged_products(std::span<const PackedProduct> products, size_t in,
                         ArrangedProduct (&out)[kMaxProducts]) {
  const size_t n = products.size() < kMaxProducts ? products.size() : kMaxProducts;
  for (size_t p = 0; p < n; ++p) {
    out[p] = {products[p].packed, in * kMatmulPanel, products[p].y, products[p].out};
  }
  return n;
}

}  // namespace

// Splatted rows: E = the vector width. Compiled twice, once per encoding (below).
constexpr size_t kSplatE = xsimd::batch<float, Arch>::size;

namespace {
void matmuls_splat(const float* x, const ArrangedProduct* products, size_t n, size_t rows,
                   size_t in) {
  matmul_arranged_rows<Arch, kSplatMR, kSplatE>(x, products, n, rows, in);
}
void matmuls_rows(const float* x, const ArrangedProduct* products, size_t n, size_t rows,
                  size_t in) {
  matmul_arranged_rows<Arch, kPackMR, 1>(x, products, n, rows, in);
}
#if MOE_VEX
// The same 128-bit instructions in AVX's three-operand (VEX) encoding, as V8 emits wasm SIMD on
// such CPUs: a mul no longer overwrites a factor, so the tile loop drops the register copy before
// each product (38 -> 26 instructions per i) and the ref layer ran at ~86% of the peak, not ~78%.
// flatten inlines everything this calls, so no AVX code leaks into functions the SSE2 path uses.
[[gnu::target("avx"), gnu::flatten]] void matmuls_splat_vex(const float* x,
                                                            const ArrangedProduct* products,
                                                            size_t n, size_t rows, size_t in) {
  matmul_arranged_rows<Arch, kSplatMR, kSplatE>(x, products, n, rows, in);
}
#else
void matmuls_splat_vex(const float* x, const ArrangedProduct* products, size_t n, size_t rows,
                       size_t in) {
  matmuls_splat(x, products, n, rows, in);
}
#endif
}  // namespace

void f32_matmul_packed__splat(const float* x, const float* packed, float* y, size_t rows, size_t in,
                              size_t out) {
  const ArrangedProduct one{packed, in * kMatmulPanel, y, out};
  matmuls_splat(x, &one, 1, rows, in);
}
void f32_matmul_packed__splat_vex(const float* x, const float* packed, float* y, size_t rows,
                                  size_t in, size_t out) {
  const ArrangedProduct one{packed, in * kMatmulPanel, y, out};
  matmuls_splat_vex(x, &one, 1, rows, in);
}
void f32_matmul_packed__rows(const float* x, const float* packed, float* y, size_t rows, size_t in,
                             size_t out) {
  const ArrangedProduct one{packed, in * kMatmulPanel, y, out};
  matmuls_rows(x, &one, 1, rows, in);
}
#if MOE_VEX
bool f32_cpu_has_vex() {
  static const bool has = __builtin_cpu_supports("avx");
  return has;
}
#else
bool f32_cpu_has_vex() {
  return false;
}
#endif
#endif

#if MOE_SCALAR

void f32_matmul_packed__splat(const float* x, const float* packed, float* y, size_t rows, size_t in,
                              size_t out) {
  f32_matmul_packed__scalar(x, packed, y, rows, in, out);
}
void f32_matmul_packed__splat_vex(const float* x, const float* packed, float* y, size_t rows,
                                  size_t in, size_t out) {
  f32_matmul_packed__scalar(x, packed, y, rows, in, out);
}
bool f32_cpu_has_vex() {
  return false;
}
void f32_matmul_packed__rows(const float* x, const float* packed, float* y, size_t rows, size_t in,
                             size_t out) {
  f32_matmul_packed__scalar(x, packed, y, rows, in, out);
}
void f32_matmul(const float* x, const float* w, float* y, size_t rows, size_t in, size_t out) {
  f32_matmul__scalar(x, w, y, rows, in, out);
}
void f32_matmul_packed(const float* x, const float* packed, float* y, size_t rows, size_t in,
                       size_t out) {
  f32_matmul_packed__scalar(x, packed, y, rows, in, out);
}
void f32_matmul_packed_ld(const float* x, const float* packed, size_t ld, float* y, size_t rows,
                          size_t in, size_t out) {
  f32_matmul_packed_ld__scalar(x, packed, ld, y, rows, in, out);
}
void f32_matmul_packed_many(const float* x, size_t rows, size_t in,
                            std::span<const PackedProduct> products) {
  for (const PackedProduct& p : products)
    f32_matmul_packed__scalar(x, p.packed, p.y, rows, in, p.out);
}
void f32_softmax_rows(const float* x, float* y, size_t rows, size_t cols) {
  f32_softmax_rows__scalar(x, y, rows, cols);
}
void f32_softmax_rows_causal(const float* x, float* y, size_t rows, size_t cols, size_t visible0) {
  f32_softmax_rows_causal__scalar(x, y, rows, cols, visible0);
}
void f32_exp(const float* x, float* y, size_t n) {
  f32_exp__scalar(x, y, n);
}
void f32_relu(const float* x, float* y, size_t n) {
  f32_relu__scalar(x, y, n);
}
void f32_gelu(const float* x, float* y, size_t n) {
  f32_gelu__scalar(x, y, n);
}
void f32_silu(const float* x, float* y, size_t n) {
  f32_silu__scalar(x, y, n);
}
void f32_swiglu(const float* gate, const float* up, float* y, size_t n) {
  f32_swiglu__scalar(gate, up, y, n);
}
void f32_axpy(float a, const float* x, float* y, size_t n) {
  f32_axpy__scalar(a, x, y, n);
}
size_t f32_simd_width() {
  return 1;
}

#else

// Below 4 rows the 4-row dot-product kernel wins: packing a panel costs as much as using it.
void f32_matmul(const float* x, const float* w, float* y, size_t rows, size_t in, size_t out) {
  if constexpr (kTiled) {
    if (rows >= 4) {
      thread_local std::vector<float> panel;  // [in, 8]  one packed panel
      if (panel.size() < in * kMatmulPanel) panel.resize(in * kMatmulPanel);
      f32_matmul_tiled__xsimd<Arch>(x, w, y, rows, in, out, panel.data());
      return;
    }
  }
  f32_matmul__xsimd<Arch>(x, w, y, rows, in, out);
}
// One dispatch for one product and for several: splatted rows natively (rows >= 6), arranged rows
// in wasm (rows >= 4), otherwise the plain tiles product by product.
void f32_matmul_packed_many(const float* x, size_t rows, size_t in,
                            std::span<const PackedProduct> products) {
  for (size_t p0 = 0; p0 < products.size(); p0 += kMaxProducts) {
    ArrangedProduct arranged[kMaxProducts];
    const size_t n = arranged_products(products.subspan(p0), in, arranged);
    if (kSplatRows && rows >= kSplatMR) {
      (f32_cpu_has_vex() ? matmuls_splat_vex : matmuls_splat)(x, arranged, n, rows, in);
    } else if (kTiled && !kSplatRows && rows >= kPackMR) {  // wasm
      matmuls_rows(x, arranged, n, rows, in);
    } else {
      for (size_t p = 0; p < n; ++p) {
        const ArrangedProduct& pr = arranged[p];
        if constexpr (kTiled) {
          f32_matmul_packed__xsimd<Arch>(x, pr.packed, pr.y, rows, in, pr.out);
        } else {
          f32_matmul_packed__scalar(x, pr.packed, pr.y, rows, in, pr.out);
        }
      }
    }
  }
}
void f32_matmul_packed(const float* x, const float* packed, float* y, size_t rows, size_t in,
                       size_t out) {
  const PackedProduct one{packed, y, out};
  f32_matmul_packed_many(x, rows, in, std::span(&one, 1));
}
// wasm: the row-arranged tiles, as f32_matmul_packed; natively the plain tiles (its one caller,
// attention, is a small share of the work there).
void f32_matmul_packed_ld(const float* x, const float* packed, size_t ld, float* y, size_t rows,
                          size_t in, size_t out) {
  if constexpr (kTiled) {
    if (!kSplatRows && rows >= kPackMR) {
      matmul_arranged_rows<Arch, kPackMR, 1>(x, packed, ld, y, rows, in, out);
      return;
    }
    for (size_t o0 = 0; o0 < out; o0 += kMatmulPanel) {
      simd::gemm_panel<Arch>(x, packed + o0 / kMatmulPanel * ld, y, rows, in, out, o0,
                             out - o0 < kMatmulPanel ? out - o0 : kMatmulPanel);
    }
  } else {
    f32_matmul_packed_ld__scalar(x, packed, ld, y, rows, in, out);
  }
}
void f32_softmax_rows(const float* x, float* y, size_t rows, size_t cols) {
  f32_softmax_rows__xsimd<Arch>(x, y, rows, cols);
}
void f32_softmax_rows_causal(const float* x, float* y, size_t rows, size_t cols, size_t visible0) {
  f32_softmax_rows_causal__xsimd<Arch>(x, y, rows, cols, visible0);
}
void f32_exp(const float* x, float* y, size_t n) {
  f32_exp__xsimd<Arch>(x, y, n);
}
void f32_relu(const float* x, float* y, size_t n) {
  f32_relu__xsimd<Arch>(x, y, n);
}
void f32_gelu(const float* x, float* y, size_t n) {
  f32_gelu__xsimd<Arch>(x, y, n);
}
void f32_silu(const float* x, float* y, size_t n) {
  f32_silu__xsimd<Arch>(x, y, n);
}
void f32_swiglu(const float* gate, const float* up, float* y, size_t n) {
  f32_swiglu__xsimd<Arch>(gate, up, y, n);
}
void f32_axpy(float a, const float* x, float* y, size_t n) {
  f32_axpy__xsimd<Arch>(a, x, y, n);
}
size_t f32_simd_width() {
  return xsimd::batch<float, Arch>::size;
}

#endif

}  // namespace moe

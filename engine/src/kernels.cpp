// Scalar reference kernels and the dispatchers that pick the SIMD variant for the build's
// architecture (xsimd::default_arch: SSE2 on a plain x86-64 build, SSE4.1 emulated on wasm128).
// With MOE_SCALAR (CMake option, the scalar benchmark build) every dispatcher calls the scalar
// reference and xsimd is not used at all.
#include "moe/kernels.hpp"

#include <cmath>
#include <vector>

#include "moe/kernels_scalar.hpp"
#if !MOE_SCALAR
#include "moe/kernels_simd.hpp"
#endif

namespace moe {

#if !MOE_SCALAR
using Arch = xsimd::default_arch;
constexpr bool kTiled = simd::gemm_nr<Arch>() == kMatmulPanel;  // the packed format is 8 wide
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

void f32_softmax_rows__scalar(const float* x, float* y, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m = xr[0];
    for (size_t c = 1; c < cols; ++c) m = xr[c] > m ? xr[c] : m;
    float sum = 0.0f;
    for (size_t c = 0; c < cols; ++c) {
      yr[c] = std::exp(xr[c] - m);
      sum += yr[c];
    }
    for (size_t c = 0; c < cols; ++c) yr[c] /= sum;
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

#if MOE_SCALAR

void f32_matmul(const float* x, const float* w, float* y, size_t rows, size_t in, size_t out) {
  f32_matmul__scalar(x, w, y, rows, in, out);
}
void f32_matmul_packed(const float* x, const float* packed, float* y, size_t rows, size_t in,
                       size_t out) {
  f32_matmul_packed__scalar(x, packed, y, rows, in, out);
}
void f32_softmax_rows(const float* x, float* y, size_t rows, size_t cols) {
  f32_softmax_rows__scalar(x, y, rows, cols);
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
void f32_matmul_packed(const float* x, const float* packed, float* y, size_t rows, size_t in,
                       size_t out) {
  if constexpr (kTiled) {
    f32_matmul_packed__xsimd<Arch>(x, packed, y, rows, in, out);
  } else {
    f32_matmul_packed__scalar(x, packed, y, rows, in, out);
  }
}
void f32_softmax_rows(const float* x, float* y, size_t rows, size_t cols) {
  f32_softmax_rows__xsimd<Arch>(x, y, rows, cols);
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

// The training kernels at AVX2's width (wide_kernels.hpp) for the dispatchers in
// linalg_kernels.cpp. CMake compiles this file with -mavx2 -mfma -ffp-contract=off natively on
// x86-64; elsewhere it is empty.
#if defined(__AVX2__) && defined(__FMA__) && !MOE_SCALAR
#define MOE_WIDE_TABLE kAvx2Kernels
#define MOE_WIDE_FMA_ARCH xsimd::fma3<xsimd::avx2>
#define MOE_WIDE_ARCH xsimd::avx2
#include "wide_kernels.inc"
#endif

// The training kernels at AVX-512F's width (wide_kernels.hpp) for the dispatchers in
// linalg_kernels.cpp. CMake compiles this file with -mavx512f -ffp-contract=off natively on
// x86-64; elsewhere it is empty.
#if defined(__AVX512F__) && !MOE_SCALAR
#define MOE_WIDE_TABLE kAvx512Kernels
#define MOE_WIDE_FMA_ARCH xsimd::avx512f
#define MOE_WIDE_ARCH xsimd::avx512f
#include "wide_kernels.inc"
#endif

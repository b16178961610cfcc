// The FMA row product (matmul_rows_fma.hpp) at AVX-512F's width, for the training products'
// dispatcher (linalg_kernels.cpp). CMake compiles this file with -mavx512f natively on x86-64
// (-ffp-contract=off: the only fused operations are the kernel's own); elsewhere it is empty.
#if defined(__AVX512F__) && !MOE_SCALAR
#define MOE_MATMUL_ROWS_NAME matmul_rows_avx512
#define MOE_MATMUL_ROWS_ARCH xsimd::avx512f
#include "matmul_rows_wide.inc"
#endif

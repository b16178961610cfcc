// The row products at AVX-512F's width for the training products' dispatcher (linalg_kernels.cpp):
// the FMA one (matmul_rows_fma.hpp) and the mul + add one (matmul_rows.hpp). CMake compiles this
// file with -mavx512f natively on x86-64 (-ffp-contract=off: the only fused operations are the
// FMA kernel's own); elsewhere it is empty.
#if defined(__AVX512F__) && !MOE_SCALAR
#define MOE_MATMUL_ROWS_NAME matmul_rows_avx512
#define MOE_MATMUL_ROWS_ARCH xsimd::avx512f
#define MOE_MATMUL_ROWS_MUL_ADD_NAME matmul_rows_avx512_mul_add
#define MOE_MATMUL_ROWS_MUL_ADD_ARCH xsimd::avx512f
#include "matmul_rows_wide.inc"
#endif

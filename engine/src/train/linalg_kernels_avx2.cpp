// The row products at AVX2's width for the training products' dispatcher (linalg_kernels.cpp):
// the FMA one (matmul_rows_fma.hpp) and the mul + add one (matmul_rows.hpp). CMake compiles this
// file with -mavx2 -mfma natively on x86-64 (-ffp-contract=off: the only fused operations are the
// FMA kernel's own); elsewhere it is empty.
#if defined(__AVX2__) && defined(__FMA__) && !MOE_SCALAR
#define MOE_MATMUL_ROWS_NAME matmul_rows_avx2
#define MOE_MATMUL_ROWS_ARCH xsimd::fma3<xsimd::avx2>
#define MOE_MATMUL_ROWS_MUL_ADD_NAME matmul_rows_avx2_mul_add
#define MOE_MATMUL_ROWS_MUL_ADD_ARCH xsimd::avx2
#include "matmul_rows_wide.inc"
#endif

// matmul_rows (matmul_rows.hpp) at avx2's width, for the training products' dispatcher
// (linalg_kernels.cpp). CMake compiles this file with -mavx2 -ffp-contract=off natively on
// x86-64 (no FMA contraction: the same bits as the SSE2 copy); elsewhere it is empty.
#if defined(__AVX2__) && !MOE_SCALAR
#define MOE_MATMUL_ROWS_NAME matmul_rows_avx2
#define MOE_MATMUL_ROWS_ARCH xsimd::avx2
#include "matmul_rows_wide.inc"
#endif

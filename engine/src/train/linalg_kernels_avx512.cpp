// matmul_rows (matmul_rows.hpp) at avx512f's width, for the training products' dispatcher
// (linalg_kernels.cpp). CMake compiles this file with -mavx512f -ffp-contract=off natively on
// x86-64 (no FMA contraction: the same bits as the SSE2 copy); elsewhere it is empty.
#if defined(__AVX512F__) && !MOE_SCALAR
#define MOE_MATMUL_ROWS_NAME matmul_rows_avx512
#define MOE_MATMUL_ROWS_ARCH xsimd::avx512f
#include "matmul_rows_wide.inc"
#endif

// matmul_rows (matmul_rows.hpp) at avx2's width, for the training products' dispatcher
// (linalg_kernels.cpp). CMake compiles this file with -mavx2 -ffp-contract=off natively on
// x86-64 (no FMA contraction: the same bits as the SSE2 copy); elsewhere it is empty.
#if defined(__AVX2__) && !MOE_SCALAR

#include "matmul_rows.hpp"

namespace moe::train {

void matmul_rows_avx2(const float* a, size_t ar, size_t ak, const float* b, float* c, size_t M,
                      size_t K, size_t P) {
  matmul_rows<xsimd::avx2>(RowOperand{a, ar, ak}, b, c, M, K, P);
}

}  // namespace moe::train

#endif

// f32 kernels of the training step (engine/src/train/linalg_kernels.cpp): the two backward matrix
// products that read an operand down its columns, the SiLU gate of the experts forward and
// backward, and the Adam update. Same naming as moe/kernels.hpp:
//   <op>__scalar   a plain loop: the specification (the tests compare the dispatcher with it);
//   <op>           the dispatcher the trainer calls (SIMD, or the scalar loop under MOE_SCALAR).
// The products read both operands in place (no transposed copies) and round the same way as the
// transpose-then-f32_matmul path they replace. Left out: double (linalg.hpp keeps plain loops for
// the finite-difference checks).
//
// Threads and width (moe lm train's `threads` and `simd`): the three products split their output
// rows over train_threads() pool threads (kernels/thread_pool.hpp) and never split a sum over
// tokens, so every thread count gives the bits of one thread. At the baseline (SIMD128 in wasm;
// natively the widest of SSE2, AVX2 and AVX-512F, all with the same bits) each element is summed
// with a mul and an add per term; at AVX2 + FMA
// or AVX-512F (natively, when set_train_simd asks for it) with one fused multiply-add per term,
// in the same ascending order at both widths, so AVX2 and AVX-512 agree bit for bit and differ
// from the baseline by rounding only (train/matmul_rows_fma.hpp).
#pragma once

#include <cstddef>

namespace moe::train {

// ---- c[m,p] = a[n,m]ᵀ · b[n,p]:  c[i,j] = Σ_r a[r,i] · b[r,j]   (weight gradients: dW = dyᵀ · x)
void f32_matmul_tn__scalar(const float* a, const float* b, float* c, size_t n, size_t m, size_t p);
void f32_matmul_tn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p);

// ---- c[n,out] = a[n,in] · b[out,in]ᵀ: f32_matmul (kernels.hpp) with its rows split over threads
void f32_matmul_nt(const float* a, const float* b, float* c, size_t n, size_t in, size_t out);

// ---- c[n,p] = a[n,m] · b[m,p]:  c[r,j] = Σ_i a[r,i] · b[i,j]   (input gradients: dx = dy · W)
void f32_matmul_nn__scalar(const float* a, const float* b, float* c, size_t n, size_t m, size_t p);
void f32_matmul_nn(const float* a, const float* b, float* c, size_t n, size_t m, size_t p);

// ---- SiLU gate forward, n elements: sig[i] = σ(a[i]) = 1 / (1 + e^-a[i]),
//   hid[i] = a[i] · sig[i] · u[i]   (SwiGLU; u == nullptr: hid[i] = a[i] · sig[i], SiLU)
void f32_silu_gate_forward__scalar(const float* a, const float* u, float* sig, float* hid,
                                   size_t n);
void f32_silu_gate_forward(const float* a, const float* u, float* sig, float* hid, size_t n);

// ---- SiLU gate backward, n elements, from dhid = ∂L/∂hid and sig = σ(a):
//   da[i] = dhid[i] · u[i] · silu'(a[i]),  silu'(a) = sig · (1 + a · (1 - sig))
//   du[i] = dhid[i] · a[i] · sig[i]
// (u == nullptr, SiLU: da[i] = dhid[i] · silu'(a[i]) and du is not written)
void f32_silu_gate_backward__scalar(const float* a, const float* u, const float* sig,
                                    const float* dhid, float* da, float* du, size_t n);
void f32_silu_gate_backward(const float* a, const float* u, const float* sig, const float* dhid,
                            float* da, float* du, size_t n);

// ---- Adam update, n elements (bias corrections c1 = 1 - β1^t, c2 = 1 - β2^t), after the
// gradient's clipping factor and AdamW's decoupled decay (one pass over the four arrays):
//   g ← grad_scale·g,  m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²,
//   w ← decay·w - lr · (m · c1⁻¹) / (√(v · c2⁻¹) + ε)
// (the reciprocals are taken once per call: two fewer divisions per element; a factor of 1
// changes no bit)
struct AdamStep {
  float lr = 0, beta1 = 0, beta2 = 0, c1 = 1, c2 = 1, eps = 0;
  float grad_scale = 1, decay = 1;
};
void f32_adam_update__scalar(const AdamStep& s, const float* g, float* m, float* v, float* w,
                             size_t n);
void f32_adam_update(const AdamStep& s, const float* g, float* m, float* v, float* w, size_t n);

// ---- y = e^x for the language model's softmaxes (its loss and attention): the layer engine's
// f32_exp (moe/kernels/kernels.hpp: the baseline's bits), or at the fused products' width when
// set_train_simd chose AVX2 or AVX-512 (one polynomial for every element: the two agree bit for
// bit)
void f32_exp_train(const float* x, float* y, size_t n);

// ---- Σ_i x[i] · y[i] in float (the SIMD variant sums lane-wise, then across lanes)
float f32_dot__scalar(const float* x, const float* y, size_t n);
float f32_dot(const float* x, const float* y, size_t n);

// ---- Σ_i x[i]², accumulated in double (each square is exact in double)
double f32_sum_squares__scalar(const float* x, size_t n);
double f32_sum_squares(const float* x, size_t n);

// ---- Training threads of the calling thread (1 = no splitting; pool workers always see 1, so
// parts never split again). Needs set_thread_count(n) (thread_pool.hpp) for the workers to exist;
// thread_pool_run clamps to thread_count(). TrainThreadsScope sets it for one scope.
int train_threads();
void set_train_threads(int n);
class TrainThreadsScope {
 public:
  explicit TrainThreadsScope(int n) : saved_(train_threads()) { set_train_threads(n); }
  ~TrainThreadsScope() { set_train_threads(saved_); }
  TrainThreadsScope(const TrainThreadsScope&) = delete;
  TrainThreadsScope& operator=(const TrainThreadsScope&) = delete;

 private:
  int saved_;
};

// ---- Rounding and width of the three products: `baseline` is mul + add, wasm's bits (SIMD128 in
// wasm; natively at the widest width, which gives the same bits); avx2 (with FMA) and avx512 exist
// natively on x86-64 when the CPU has them, with fused multiply-adds. Process-wide; the default is
// the baseline (the layer trainer and the lessons keep wasm's bits); `moe lm train` sets the
// widest unless its job says "baseline".
enum class TrainSimd { baseline, avx2, avx512 };
TrainSimd train_simd();
TrainSimd train_simd_widest();     // what this CPU and build offer
void set_train_simd(TrainSimd s);  // clamped to train_simd_widest()
const char* train_simd_name(TrainSimd s);

}  // namespace moe::train

// The engine side of `npm run bench` (bench/run.mjs): a C API over the real engine (Layer built by
// make_layer from a spec, Trainer) plus the peak microbenchmark, compiled
//   natively        -> build/native/moe_bench   (its main() times everything and prints JSON)
//   to wasm (SIMD)  -> build/wasm/moe_bench.mjs (timed from JS in Node and Chromium)
//   to wasm scalar  -> build/wasm-scalar/moe_bench.mjs (MOE_SCALAR=ON: no -msimd128, scalar
//   kernels)
// Nothing here re-implements MoE math: forward is moe::Layer::forward, training
// moe::train::Trainer; the language model (bench_lm_*) is moe::lm::LmModel (forward, KV cache,
// greedy pick) and moe::lm::LmTrainer.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "moe/kernels/kernels.hpp"
#include "moe/kernels/thread_pool.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_trainer.hpp"
#include "moe/spec/spec.hpp"
#include "moe/train/config.hpp"
#include "moe/train/trainer.hpp"

#if !MOE_SCALAR
#include <xsimd/xsimd.hpp>
#endif
#if defined(__x86_64__) && !MOE_SCALAR && !defined(__EMSCRIPTEN__)
#include <immintrin.h>
#endif

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define BENCH_API extern "C" EMSCRIPTEN_KEEPALIVE
#else
#define BENCH_API extern "C"
#endif

namespace {

std::unique_ptr<moe::Layer> g_layer;
std::unique_ptr<moe::train::Trainer> g_trainer;
std::unique_ptr<moe::lm::LmModel> g_lm;
std::unique_ptr<moe::lm::KvCache> g_lm_cache;
std::unique_ptr<moe::lm::LmTrainer> g_lm_trainer;
std::string g_error;

// Keeps a failed Result's message for bench_error(); true when `r` is ok.
template <class T>
bool keep_error(const moe::Result<T>& r) {
  if (!r.ok()) g_error = r.error().where + ": " + r.error().reason;
  return r.ok();
}

}  // namespace

// Builds the benchmark layer: softmax router, top-k renormalised, mlp+silu or swiglu, weights
// from `seed`. Returns 0, or -1 (bench_error() says why).
BENCH_API int bench_layer_create(int d, int f, int E, int k, int swiglu, int seed) {
  char spec[512];
  std::snprintf(spec, sizeof spec,
                R"({"config": {"d_model": %d, "d_ff": %d, "num_experts": %d, "top_k": %d,
                    "router_kind": "softmax_topk_renorm", "activation": "silu",
                    "expert_kind": "%s"}, "seed": %d})",
                d, f, E, k, swiglu ? "swiglu" : "mlp", seed);
  moe::Result<moe::Layer> layer = moe::make_layer(std::string_view(spec));
  if (!layer.ok()) {
    g_error = layer.error().message();
    return -1;
  }
  g_layer = std::make_unique<moe::Layer>(std::move(layer.value()));
  return 0;
}

// Threads of the layer forward from now on (moe/thread_pool.hpp); 0, or -1 (bench_error()).
BENCH_API int bench_set_threads(int n) {
  moe::Result<bool> r = moe::set_thread_count(n);
  if (!r.ok()) {
    g_error = r.error().message();
    return -1;
  }
  return 0;
}

BENCH_API const char* bench_error() {
  return g_error.c_str();
}

// Weights of the layer, torch layout: which 0 = router [E, d]; 1, 2, 3 = expert e's w1 [f, d],
// w2 [d, f], w3 [f, d].
BENCH_API const float* bench_layer_weight(int which, int e) {
  const moe::LayerWeights& w = g_layer->weights();
  if (which == 0) return w.router.data();
  const moe::ExpertWeights& x = w.experts[static_cast<size_t>(e)];
  return which == 1 ? x.w1.data() : which == 2 ? x.w2.data() : x.w3.data();
}

// `reps` forward passes over x [T, d]; 0 or -1.
BENCH_API int bench_layer_forward(const float* x, int T, int reps) {
  const size_t n = static_cast<size_t>(T) * static_cast<size_t>(g_layer->config().d_model);
  for (int r = 0; r < reps; ++r) {
    auto out = g_layer->forward(x, n, T);
    if (!out.ok()) {
      g_error = out.error().message();
      return -1;
    }
  }
  return 0;
}

// output [T, d] of the last forward
BENCH_API const float* bench_layer_output() {
  return g_layer->trace().output.data();
}

BENCH_API float* bench_alloc(int n) {
  return static_cast<float*>(std::calloc(static_cast<size_t>(n), sizeof(float)));
}
BENCH_API void bench_free(float* p) {
  std::free(p);
}

// The `moe bench-train` reference config: tokens task, E 8, d 32, ff 64, batch 256, top-2,
// swiglu, Adam.
BENCH_API int bench_train_create() {
  auto config = moe::train::parse_train_config(
      R"({"task": "tokens", "num_experts": 8, "d_model": 32, "d_ff": 64, "batch": 256,
          "top_k": 2, "optimizer": "adam", "lr": 0.003})");
  if (!config.ok()) {
    g_error = config.error().message();
    return -1;
  }
  auto trainer = moe::train::Trainer::create(config.value());
  if (!trainer.ok()) {
    g_error = trainer.error().message();
    return -1;
  }
  g_trainer = std::make_unique<moe::train::Trainer>(std::move(trainer.value()));
  return 0;
}

// `steps` Adam steps; returns the last loss.
BENCH_API float bench_train_run(int steps) {
  moe::train::ChunkResult r = g_trainer->run(steps);
  return r.loss.empty() ? 0.0f : r.loss.back();
}

// ---- the language model (bench/lm-suite.mjs)
// ------------------------------------------------------- Loads config.json text +
// model.safetensors bytes (LmModel::load). 0, or -1 (bench_error()).
BENCH_API int bench_lm_load(const char* config_json, const uint8_t* safetensors, int bytes) {
  auto model = moe::lm::LmModel::load(
      config_json, std::span<const uint8_t>(safetensors, static_cast<size_t>(bytes)));
  if (!keep_error(model)) return -1;
  g_lm = std::make_unique<moe::lm::LmModel>(std::move(model.value()));
  return 0;
}

// `reps` full forwards of one sequence (prefill without a cache): ids [T]. 0 or -1.
BENCH_API int bench_lm_forward(const int32_t* ids, int T, int reps) {
  for (int r = 0; r < reps; ++r) {
    if (!keep_error(g_lm->forward(std::span<const int32_t>(ids, static_cast<size_t>(T)), 1, T)))
      return -1;
  }
  return 0;
}

// logits [T, V] of the last forward (full or cached)
BENCH_API const float* bench_lm_logits() {
  return g_lm->trace().logits.data();
}

// A fresh cache of `capacity` positions, filled with the prompt ids [P] (one cached forward,
// whose logits bench_lm_logits() then gives). 0 or -1.
BENCH_API int bench_lm_prefill_cached(const int32_t* prompt, int P, int capacity) {
  auto cache = g_lm->new_cache(1, capacity);
  if (!keep_error(cache)) return -1;
  g_lm_cache = std::make_unique<moe::lm::KvCache>(std::move(cache.value()));
  return keep_error(g_lm->forward_cached(std::span<const int32_t>(prompt, static_cast<size_t>(P)),
                                         1, P, *g_lm_cache))
             ? 0
             : -1;
}

// `n` greedy tokens, one cached forward each: the next id is the argmax of the last row of the
// previous forward's logits (moe::lm::pick_greedy). Writes them to out [n]. 0 or -1.
BENCH_API int bench_lm_decode(int n, int32_t* out) {
  const int V = g_lm->config().vocab_size;
  for (int i = 0; i < n; ++i) {
    const std::vector<float>& logits = g_lm->trace().logits;  // [rows, V]
    const int32_t next =
        moe::lm::pick_greedy(std::span<const float>(logits.data() + logits.size() - V, V));
    out[i] = next;
    if (!keep_error(g_lm->forward_cached(std::span<const int32_t>(&next, 1), 1, 1, *g_lm_cache)))
      return -1;
  }
  return 0;
}

// The LM trainer on `tokens` [n] from seeded weights: the model of config.json, the Mixtral block
// (softmax, top-k, renormalised, SwiGLU) with Switch aux and z-loss coefficients, AdamW with the
// recipe's schedule (lr, min_lr, warmup, steps) and batch × seq_len windows. 0 or -1.
BENCH_API int bench_lm_train_create(const char* config_json, const int32_t* tokens, int n,
                                    int batch, int seq_len, int steps, int warmup, float lr,
                                    float min_lr, float switch_aux, float z_loss, int seed) {
  auto config = moe::lm::parse_lm_config_text(config_json);
  if (!keep_error(config)) return -1;
  moe::lm::LmTrainConfig tc;
  tc.shape = moe::lm::LmTrainShape::of(config.value());
  tc.shape.coefs.switch_aux = switch_aux;
  tc.shape.coefs.z_loss = z_loss;
  tc.batch = batch;
  tc.seq_len = seq_len;
  tc.seed = static_cast<uint64_t>(seed);
  tc.lr = {lr, min_lr, warmup, steps};
  auto trainer =
      moe::lm::LmTrainer::create(tc, std::vector<int32_t>(tokens, tokens + static_cast<size_t>(n)));
  if (!keep_error(trainer)) return -1;
  g_lm_trainer = std::make_unique<moe::lm::LmTrainer>(std::move(trainer.value()));
  return 0;
}

// `steps` training steps; returns the last step's loss.
BENCH_API float bench_lm_train_run(int steps) {
  const std::vector<moe::lm::LmStepStats> s = g_lm_trainer->train_steps(steps);
  return s.empty() ? 0.0f : static_cast<float>(s.back().loss);
}

BENCH_API void* bench_alloc_bytes(int n) {
  return std::calloc(static_cast<size_t>(n), 1);
}

// Peak microbenchmark: `chains` independent f32 vector chains a = a·m + c, `iters` steps each.
// Flops = iters · chains · lanes · 2. Returns a checksum so nothing is optimised away.
#if !MOE_SCALAR
namespace {
template <int N>
float peak_chains(int iters, float m, float c) {
  using B = xsimd::batch<float>;
  B a[N];
  for (int j = 0; j < N; ++j) a[j] = B(1.0f + 0.001f * static_cast<float>(j));
  const B mv(m), cv(c);
  for (int i = 0; i < iters; ++i) {
    for (int j = 0; j < N; ++j) a[j] = a[j] * mv + cv;
  }
  B s = a[0];
  for (int j = 1; j < N; ++j) s += a[j];
  return xsimd::hadd(s);
}
}  // namespace
#endif

// Load-latency probe: `loads` dependent loads along a random cycle through the 64-byte lines of
// a `kib` KiB buffer (the LM rows use 4 MiB: more than L2, less than this machine's L3). The peak
// loop above never touches memory, so it cannot tell when this vCPU's memory is slow; here ~20 ns
// per load is the quiet state and 35-50 ns the disturbed one, in which every memory-bound kernel
// (ours, the peer's, plain JS) runs ~1.4x slower. Returns where the chase ended.
BENCH_API int bench_load_latency(int kib, int loads) {
  static std::vector<int32_t> next;  // [kib * 256]: next[16 * line] = 16 * the line after it
  const size_t lines = static_cast<size_t>(kib) * 1024 / 64;
  if (next.size() != lines * 16) {
    std::vector<int32_t> order(lines);
    for (size_t i = 0; i < lines; ++i) order[i] = static_cast<int32_t>(i);
    uint32_t r = 12345;  // a fixed shuffle (LCG), so every run chases the same cycle
    for (size_t i = lines - 1; i > 0; --i) {
      r = r * 1664525u + 1013904223u;
      std::swap(order[i], order[r % (i + 1)]);
    }
    next.assign(lines * 16, 0);
    for (size_t i = 0; i < lines; ++i) next[order[i] * 16] = order[(i + 1) % lines] * 16;
  }
  int32_t at = 0;
  for (int i = 0; i < loads; ++i) at = next[static_cast<size_t>(at)];
  return at;
}

BENCH_API int bench_simd_lanes() {
#if MOE_SCALAR
  return 1;
#else
  return static_cast<int>(xsimd::batch<float>::size);
#endif
}

BENCH_API float bench_peak(int chains, int iters, float m, float c) {
#if MOE_SCALAR
  (void)chains, (void)iters, (void)m, (void)c;
  return 0.0f;
#else
  switch (chains) {
    case 8:
      return peak_chains<8>(iters, m, c);
    case 10:
      return peak_chains<10>(iters, m, c);
    case 12:
      return peak_chains<12>(iters, m, c);
    default:
      return peak_chains<16>(iters, m, c);
  }
#endif
}

#ifndef __EMSCRIPTEN__
// Native: `moe_bench LAYERS_JSON` -- times each case and prints one JSON object per line.
// Argument: "d,f,E,k,swiglu,T,name;..." ; the timings follow the same protocol as bench/run.mjs
// (warm-up, then `runs` medians of chunks of at least ~50 ms).
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <class F>
std::vector<double> time_runs(F&& body, int runs, double min_seconds) {
  // calibrate reps so one run takes >= min_seconds
  int reps = 1;
  for (;;) {
    const double t0 = now_s();
    body(reps);
    const double dt = now_s() - t0;
    if (dt >= min_seconds || reps > (1 << 24)) break;
    reps = dt <= 0 ? reps * 10 : static_cast<int>(reps * 1.3 * min_seconds / dt) + 1;
  }
  std::vector<double> per_rep;
  for (int r = 0; r < runs; ++r) {
    const double t0 = now_s();
    body(reps);
    per_rep.push_back((now_s() - t0) / reps);
  }
  return per_rep;
}

// One JSON line; `peak` (seconds per call of `peak_work` flops, one after each sample) when given.
void print_times(const char* kind, const char* layer, int T, double work,
                 const std::vector<double>& s, int threads = 1,
                 const std::vector<double>* peak = nullptr, double peak_work = 0) {
  std::printf(
      "{\"kind\": \"%s\", \"layer\": \"%s\", \"tokens\": %d, \"threads\": %d, \"work\": "
      "%.17g, \"seconds\": [",
      kind, layer, T, threads, work);
  for (size_t i = 0; i < s.size(); ++i) std::printf("%s%.9g", i ? ", " : "", s[i]);
  std::printf("]");
  if (peak != nullptr) {
    std::printf(", \"peak_work\": %.17g, \"peak_seconds\": [", peak_work);
    for (size_t i = 0; i < peak->size(); ++i) std::printf("%s%.9g", i ? ", " : "", (*peak)[i]);
    std::printf("]");
  }
  std::printf("}\n");
  std::fflush(stdout);
}

// The peak loop in AVX's three-operand encoding of the same 128-bit instructions, which the
// native matmul uses on such CPUs (kernels.hpp f32_matmul_packed__splat_vex).
#if defined(__x86_64__) && !MOE_SCALAR
[[gnu::target("avx"), gnu::flatten]] float peak_vex(int chains, int iters, float m, float c) {
  return bench_peak(chains, iters, m, c);
}
#else
float peak_vex(int chains, int iters, float m, float c) {
  return bench_peak(chains, iters, m, c);
}
#endif

// The widest SIMD peak of this CPU (native only; the LM training row divides by it): independent
// chains a = fma(a, m, c) in AVX-512 (16 floats) or AVX2 (8 floats), chosen at run time. The
// engine's own kernels stay on 128-bit vectors; this says how much of the CPU they leave unused.
#if defined(__x86_64__) && !MOE_SCALAR
template <int N>
[[gnu::target("avx512f")]] float peak_avx512(int iters, float m, float c) {
  __m512 a[N];
  for (int j = 0; j < N; ++j) a[j] = _mm512_set1_ps(1.0f + 0.001f * static_cast<float>(j));
  const __m512 mv = _mm512_set1_ps(m), cv = _mm512_set1_ps(c);
  for (int i = 0; i < iters; ++i) {
    for (int j = 0; j < N; ++j) a[j] = _mm512_fmadd_ps(a[j], mv, cv);
  }
  __m512 s = a[0];
  for (int j = 1; j < N; ++j) s = _mm512_add_ps(s, a[j]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  return out[0] + out[15];
}
template <int N>
[[gnu::target("avx2,fma")]] float peak_avx2(int iters, float m, float c) {
  __m256 a[N];
  for (int j = 0; j < N; ++j) a[j] = _mm256_set1_ps(1.0f + 0.001f * static_cast<float>(j));
  const __m256 mv = _mm256_set1_ps(m), cv = _mm256_set1_ps(c);
  for (int i = 0; i < iters; ++i) {
    for (int j = 0; j < N; ++j) a[j] = _mm256_fmadd_ps(a[j], mv, cv);
  }
  __m256 s = a[0];
  for (int j = 1; j < N; ++j) s = _mm256_add_ps(s, a[j]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0] + out[7];
}
// Prints one "peak_wide" line per chain count, or nothing on a CPU without AVX2 + FMA.
void time_wide_peak(int runs, double min_s) {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return;
  const int lanes = avx512 ? 16 : 8, iters = 1 << 16;
  volatile float sink = 0, m = 0.9999f;
  for (int chains : {8, 12, 16}) {
    auto call = [&]() -> float {
      if (avx512) {
        return chains == 8    ? peak_avx512<8>(iters, m, 0.0001f)
               : chains == 12 ? peak_avx512<12>(iters, m, 0.0001f)
                              : peak_avx512<16>(iters, m, 0.0001f);
      }
      return chains == 8    ? peak_avx2<8>(iters, m, 0.0001f)
             : chains == 12 ? peak_avx2<12>(iters, m, 0.0001f)
                            : peak_avx2<16>(iters, m, 0.0001f);
    };
    auto s = time_runs(
        [&](int reps) {
          for (int r = 0; r < reps; ++r) sink = sink + call();
        },
        runs, min_s);
    char name[40];
    std::snprintf(name, sizeof name, "%s-fma-chains%d", avx512 ? "avx512" : "avx2", chains);
    print_times("peak_wide", name, 0, 2.0 * iters * chains * lanes, s);
  }
}
#else
void time_wide_peak(int, double) {}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  const double min_s = argc > 3 ? std::atof(argv[3]) : 0.05;
  std::string cases = argc > 1 ? argv[1] : "256,1024,8,2,0,512,ref";
  // The layer is timed with 1 thread and, when > 1, this many (argument 4; default 2).
  const int threads_max = argc > 4 ? std::atoi(argv[4]) : 2;
  if (bench_set_threads(threads_max) != 0) {
    std::fprintf(stderr, "error: %s\n", bench_error());
    return 2;
  }
  // peak: best of 8, 12, 16 chains, in each encoding the kernels may use
  const int lanes = bench_simd_lanes();
  const int iters = 1 << 16;
  volatile float sink = 0, m = 0.9999f;  // m read per call: no call is hoisted out of a loop
  auto peak_call = [&](bool vex, int chains) {
    sink =
        sink + (vex ? peak_vex(chains, iters, m, 0.0001f) : bench_peak(chains, iters, m, 0.0001f));
  };
  bool best_vex = false;
  int best_chains = 12;
  double best_s = 0, best_flops = 0;  // seconds per call and flop/s of the best
  for (bool vex : {false, true}) {
    if (vex && !moe::f32_cpu_has_vex()) continue;
    for (int chains : {8, 12, 16}) {
      auto s = time_runs(
          [&](int reps) {
            for (int r = 0; r < reps; ++r) peak_call(vex, chains);
          },
          runs, min_s);
      char name[32];
      std::snprintf(name, sizeof name, vex ? "chains%d-vex" : "chains%d", chains);
      const double work = 2.0 * iters * chains * lanes;
      print_times("peak", name, 0, work, s);
      std::vector<double> sorted = s;
      std::sort(sorted.begin(), sorted.end());
      const double med = sorted[sorted.size() / 2];
      if (work / med > best_flops)
        best_vex = vex, best_chains = chains, best_s = med, best_flops = work / med;
    }
  }
  time_wide_peak(runs, min_s);
  const double peak_work = 2.0 * iters * best_chains * lanes;  // flops per peak call
  size_t pos = 0;
  while (pos < cases.size()) {
    size_t end = cases.find(';', pos);
    if (end == std::string::npos) end = cases.size();
    const std::string item = cases.substr(pos, end - pos);
    pos = end + 1;
    int d, f, E, k, sw, T;
    char name[64];
    if (std::sscanf(item.c_str(), "%d,%d,%d,%d,%d,%d,%63s", &d, &f, &E, &k, &sw, &T, name) != 7) {
      std::fprintf(stderr, "bad case %s\n", item.c_str());
      return 2;
    }
    if (bench_layer_create(d, f, E, k, sw, 1) != 0) {
      std::fprintf(stderr, "error: %s\n", bench_error());
      return 2;
    }
    std::vector<float> x(static_cast<size_t>(T) * d);
    uint64_t z = 12345;
    for (float& v : x) {
      z = z * 6364136223846793005ULL + 1442695040888963407ULL;
      v = static_cast<float>((z >> 40) & 0xFFFFFF) / 16777216.0f * 2.0f - 1.0f;
    }
    // 1 and `threads_max` threads, sample by sample in turn, so both see the same machine load.
    bench_set_threads(1);
    auto s = time_runs([&](int reps) { bench_layer_forward(x.data(), T, reps); }, 1, min_s);
    std::vector<std::vector<double>> per(static_cast<size_t>(threads_max));  // [threads][runs]
    const int reps = std::max(1, static_cast<int>(min_s / s[0]));
    // After each sample the best peak loop runs about as long, so "% of peak" compares the layer
    // with what this core did at that moment (a vCPU's speed here drifts by ~15% over seconds).
    const int peak_reps = std::max(1, static_cast<int>(reps * s[0] / best_s));
    std::vector<double> peak_s;  // [runs] seconds per peak call
    const std::vector<int> counts =
        threads_max > 1 ? std::vector<int>{1, threads_max} : std::vector<int>{1};
    for (int r = 0; r < runs; ++r) {
      for (int n : counts) {
        bench_set_threads(n);
        const double t0 = now_s();
        bench_layer_forward(x.data(), T, reps);
        per[static_cast<size_t>(n - 1)].push_back((now_s() - t0) / reps);
      }
      const double t0 = now_s();
      for (int p = 0; p < peak_reps; ++p) peak_call(best_vex, best_chains);
      peak_s.push_back((now_s() - t0) / peak_reps);
    }
    bench_set_threads(1);
    for (int n = 1; n <= threads_max; ++n) {
      if (!per[static_cast<size_t>(n - 1)].empty()) {
        print_times("layer", name, T, static_cast<double>(T), per[static_cast<size_t>(n - 1)], n,
                    n == 1 ? &peak_s : nullptr, peak_work);
      }
    }
  }
  if (bench_train_create() != 0) {
    std::fprintf(stderr, "error: %s\n", bench_error());
    return 2;
  }
  bench_train_run(50);  // warm-up
  auto s = time_runs([&](int reps) { bench_train_run(reps); }, runs, 0.2);
  print_times("train", "train", 256, 1.0, s);
  return 0;
}
#endif

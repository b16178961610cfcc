// A seeded, portable random source for routing noise. std::normal_distribution is not used: its
// algorithm differs between standard libraries (libstdc++ natively, libc++ under Emscripten), so
// the same seed would route differently in the native and wasm builds.
#pragma once

#include <cstdint>
#include <vector>

namespace moe::routing {

// splitmix64 (Steele, Lea, Flood 2014): state += 0x9E3779B97F4A7C15, then a fixed mix.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits: (next_u64() >> 11) · 2^-53.
  double next_uniform();
  // Standard normal by Box–Muller from two uniforms u1 ∈ (0, 1], u2 ∈ [0, 1):
  //   z = sqrt(-2 ln u1) · cos(2π u2)     (the sine partner is discarded: one draw, two uniforms)
  double next_normal();

 private:
  uint64_t state_;
};

// n standard normals from SplitMix64(seed), in order. [n]
std::vector<float> standard_normals(uint64_t seed, int64_t n);

}  // namespace moe::routing

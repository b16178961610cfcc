// The engine's own deterministic RNG: splitmix64 for uniform bits, Box-Muller for normals. Same
// sequence natively and in wasm (integer arithmetic; the normals use std::log/sqrt/cos in double,
// rounded to float).
#pragma once

#include <cmath>
#include <cstdint>

namespace moe {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1]: 53 random bits, never 0 (safe under log).
  double next_unit() { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }
  // Standard normal by Box-Muller (one of the pair; the other is dropped for simplicity).
  double next_normal() {
    const double u1 = next_unit(), u2 = next_unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t state_;
};

}  // namespace moe

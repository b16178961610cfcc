#include "moe/routing/rng.hpp"

#include <cmath>

namespace moe::routing {

uint64_t SplitMix64::next_u64() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double SplitMix64::next_uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double SplitMix64::next_normal() {
  const double u1 = 1.0 - next_uniform();  // (0, 1]: log(u1) is finite
  const double u2 = next_uniform();
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

std::vector<float> standard_normals(uint64_t seed, int64_t n) {
  SplitMix64 rng(seed);
  std::vector<float> out(n > 0 ? n : 0);  // [n]
  for (float& z : out) z = static_cast<float>(rng.next_normal());
  return out;
}

}  // namespace moe::routing

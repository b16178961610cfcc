#include "moe/routing/mod_route.hpp"

#include <cmath>
#include <string>

#include "moe/routing/mixture_of_depths.hpp"
#include "moe/routing/router.hpp"
#include "moe/spec/config.hpp"

namespace moe {

Result<ModRoute> mod_route(const float* x, size_t n, int B, int S, int d, const float* w, size_t m,
                           int capacity) {
  const auto range = [](const char* name, int64_t v, int64_t lo, int64_t hi) -> std::string {
    if (v >= lo && v <= hi) return "";
    return std::string(name) + ": must be between " + std::to_string(lo) + " and " +
           std::to_string(hi) + ", got " + std::to_string(v);
  };
  for (const std::string& e :
       {range("sequences", B, 1, kMaxTokens), range("seq_len", S, 1, kMaxTokens),
        range("d_model", d, 1, kMaxDim), range("capacity", capacity, 0, S)}) {
    if (!e.empty()) {
      const size_t colon = e.find(": ");
      return Error{e.substr(0, colon), e.substr(colon + 2)};
    }
  }
  const int64_t T = int64_t{B} * S;
  if (T > kMaxTokens || T * d > kMaxFloats) {
    return Error{"input", "B · S · d = " + std::to_string(T * d) + " floats, above the cap"};
  }
  if (x == nullptr || static_cast<int64_t>(n) != T * d) {
    return Error{"input", "expected sequences × seq_len × d_model = " + std::to_string(T * d) +
                              " numbers, got " + std::to_string(n)};
  }
  if (w == nullptr || static_cast<int64_t>(m) != d) {
    return Error{"router_weight",
                 "expected d_model = " + std::to_string(d) + " numbers, got " + std::to_string(m)};
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      return Error{"input[" + std::to_string(i / d) + "][" + std::to_string(i % d) + "]",
                   "must be a finite number"};
    }
  }
  for (size_t i = 0; i < m; ++i) {
    if (!std::isfinite(w[i])) {
      return Error{"router_weight[" + std::to_string(i) + "]", "must be a finite number"};
    }
  }
  ModRoute r;
  r.scores.resize(static_cast<size_t>(T));  // [B, S]
  router_compute_logits(x, w, static_cast<int>(T), d, 1, r.scores.data());
  const routing::MixtureOfDepths mod = routing::mixture_of_depths_route(r.scores, B, S, capacity);
  if (!mod.ok()) return Error{"mod_route", mod.error};
  r.sequences = B;
  r.seq_len = S;
  r.capacity = capacity;
  r.selected = mod.selected;
  r.ran = mod.ran;
  r.gate = mod.gate;
  r.saved_fraction = mod.saved_fraction;
  return r;
}

}  // namespace moe

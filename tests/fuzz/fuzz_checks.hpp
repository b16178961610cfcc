// The one rule every fuzz target checks on a refusal: an Error names a field and a reason. Any
// other refusal is a bug, and trapping stops the fuzzer on the input that found it.
#pragma once

#include "moe/result.hpp"

inline void require_named(const moe::Error& e) {
  if (e.where.empty() || e.reason.empty()) __builtin_trap();
}

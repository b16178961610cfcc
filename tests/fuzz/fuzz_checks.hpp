// What every fuzz target shares: the fuzzer's bytes as text, and the one rule it checks on a
// refusal: an Error names a field and a reason. Any other refusal is a bug, and trapping stops the
// fuzzer on the input that found it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "moe/result.hpp"

inline void require_named(const moe::Error& e) {
  if (e.where.empty() || e.reason.empty()) __builtin_trap();
}

// The input bytes, read as text (a parser must cope with any bytes, valid UTF-8 or not).
inline std::string_view input_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// True when r holds a value; a refusal must name a field and a reason (require_named).
template <class T>
bool ok_or_named(const moe::Result<T>& r) {
  if (!r.ok()) require_named(r.error());
  return r.ok();
}

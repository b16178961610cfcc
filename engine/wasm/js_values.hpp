// The JS values every embind entry point returns, shared by the *_bindings.cpp files:
// `{ok: false, error: "where: reason"}` for failures, and typed arrays that either view wasm
// memory (valid until the owner's next call) or own a copy; and the one check of a whole-number
// argument.
#pragma once

#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <emscripten/val.h>

namespace moe::wasm {

using emscripten::val;

inline val error_value(const std::string& message) {
  val out = val::object();
  out.set("ok", false);
  out.set("error", message);
  return out;
}

inline val internal_error(const char* what) {
  return error_value(std::string("engine: internal error: ") + what);
}

// Runs `body` (which returns a val) and turns any C++ exception it throws into
// `{ok: false, error: "engine: internal error: ..."}`: an exception that reached JS would leave the
// module unusable, so no entry point lets one out.
template <class Body>
val guarded(Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("unknown exception");
  }
}

// `{ok: true, <key>: value}`; value: a val, a number or a std::string.
template <class T>
val ok_value(const char* key, const T& value) {
  val out = val::object();
  out.set("ok", true);
  out.set(key, value);
  return out;
}

// v as a whole number in [lo, hi]; otherwise nullopt and `error` = "<field>: must be a whole number
// from <lo> to <hi>" (a non-number, NaN or ±inf included).
inline std::optional<int64_t> whole_number(const val& v, int64_t lo, int64_t hi,
                                           const std::string& field, std::string& error) {
  const double x = v.isNumber() ? v.as<double>() : NAN;
  if (!std::isfinite(x) || std::trunc(x) != x || x < static_cast<double>(lo) ||
      x > static_cast<double>(hi)) {
    error =
        field + ": must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    return std::nullopt;
  }
  return static_cast<int64_t>(x);
}

// A typed-array view of v's storage: no copy, valid while v is alive and unchanged.
template <class T>
val view(const std::vector<T>& v) {
  return val(emscripten::typed_memory_view(v.size(), v.data()));
}

// A new JS typed array (array_type, e.g. "Float32Array") holding a copy of v.
template <class T>
val copy_of(const std::vector<T>& v, const char* array_type) {
  val out = val::global(array_type).new_(v.size());
  out.call<void>("set", view(v));
  return out;
}

}  // namespace moe::wasm

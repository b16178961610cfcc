// Errors are values: every fallible engine call returns Result<T>, holding either a value or an
// Error `where: reason` that names the offending field (`config.top_k: must be ...`). Nothing in
// the engine's public API throws on bad input or aborts the process.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace moe {

struct Error {
  std::string where;   // the field, e.g. "config.top_k" or "weights.experts[1].w2[0][3]"
  std::string reason;  // e.g. "must be between 1 and num_experts (4), got 5"
  std::string message() const { return where + ": " + reason; }
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace moe

// Helpers for tests of calls that return moe::Result: the value, or the error message, with the
// test failing (and printing the engine's message) when the result is the other kind.
#pragma once

#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "moe/result.hpp"

namespace moe_test {

// The value of an engine result; an error fails the test with the engine's message.
template <class T>
T value_of(moe::Result<T> r) {
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r.value());
}

// The message of an engine result that must be an error (`where: reason`).
template <class T>
std::string error_of(const moe::Result<T>& r) {
  REQUIRE(!r.ok());
  return r.error().message();
}

}  // namespace moe_test

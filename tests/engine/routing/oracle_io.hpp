// The oracle JSON cases (tests/oracle/*.json) as the routing stages take them: nested arrays
// flattened row-major into float or int vectors, and exact comparison of index arrays. Reading a
// case and the 1e-5 value checks are oracle_support.hpp's (moe_test).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "oracle_support.hpp"

namespace routing_test {

template <class T>
void flatten_into(const nlohmann::json& j, std::vector<T>& out) {
  if (j.is_array()) {
    for (const auto& v : j) flatten_into(v, out);
  } else if (j.is_boolean()) {
    out.push_back(static_cast<T>(j.get<bool>() ? 1 : 0));
  } else {
    out.push_back(j.get<T>());
  }
}

inline std::vector<float> floats(const nlohmann::json& j) {
  std::vector<float> out;
  flatten_into(j, out);
  return out;
}

inline std::vector<int32_t> ints(const nlohmann::json& j) {
  std::vector<int32_t> out;
  flatten_into(j, out);
  return out;
}

// A golden case opened for a routing test: the whole file, its config and expected blocks, and the
// sizes every routing case has.
struct RoutingCase {
  nlohmann::json file, config, expected;
  int experts = 0;                   // E
  std::vector<float> router_logits;  // [T, E], expected.router_logits (empty if not recorded)
  int tokens = 0;                    // T
};

inline RoutingCase load_routing_case(const std::string& name) {
  RoutingCase c;
  c.file = moe_test::load_oracle_json(name);
  c.config = c.file["config"];
  c.expected = c.file["expected"];
  c.experts = c.config["num_experts"];
  if (c.expected.contains("router_logits")) c.router_logits = floats(c.expected["router_logits"]);
  c.tokens = static_cast<int>(c.router_logits.size()) / c.experts;
  return c;
}

// Exact equality of integer arrays with a readable first difference.
template <class A, class B>
void check_equal(const A& got, const B& want, const char* what) {
  REQUIRE_MESSAGE(got.size() == want.size(),
                  what << ": size " << got.size() << " vs " << want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (static_cast<int64_t>(got[i]) != static_cast<int64_t>(want[i])) {
      FAIL_CHECK(what << "[" << i << "]: got " << static_cast<int64_t>(got[i]) << ", want "
                      << static_cast<int64_t>(want[i]));
      return;
    }
  }
}

}  // namespace routing_test

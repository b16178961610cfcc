// Reading the oracle JSON cases (tests/oracle/*.json) for the routing tests: flatten nested
// arrays row-major into std::vector, and compare floats with the oracle's 1e-5 tolerance.
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#ifndef MOE_ORACLE_DIR
#define MOE_ORACLE_DIR "tests/oracle"
#endif

namespace routing_test {

inline constexpr float kOracleTol = 1e-5f;

inline nlohmann::json load_case(const std::string& name) {
  const std::string path = std::string(MOE_ORACLE_DIR) + "/" + name + ".json";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open oracle case " << path);
  return nlohmann::json::parse(in);
}

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
  c.file = load_case(name);
  c.config = c.file["config"];
  c.expected = c.file["expected"];
  c.experts = c.config["num_experts"];
  if (c.expected.contains("router_logits")) c.router_logits = floats(c.expected["router_logits"]);
  c.tokens = static_cast<int>(c.router_logits.size()) / c.experts;
  return c;
}

// |got - want| <= kOracleTol for one recorded number; on failure names it and both values.
inline void check_near(double got, const nlohmann::json& want, const char* what) {
  CHECK_MESSAGE(std::fabs(got - want.get<float>()) <= kOracleTol,
                what << ": got " << got << ", want " << want.get<float>());
}

// Every |got[i] - want[i]| <= tol; on failure names the first bad index and both values.
template <class A, class B>
void check_close(const A& got, const B& want, const char* what, float tol = kOracleTol) {
  REQUIRE_MESSAGE(got.size() == want.size(),
                  what << ": size " << got.size() << " vs " << want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i])) > tol) {
      FAIL_CHECK(what << "[" << i << "]: got " << got[i] << ", want " << want[i]);
      return;
    }
  }
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

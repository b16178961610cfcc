// Helpers for the tests that check the engine against the golden cases in tests/oracle: a case
// file parsed and run through a Layer, and JSON arrays flattened so they compare with a trace.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/io/oracle_case.hpp"
#include "moe/layer/layer.hpp"
#include "test_support.hpp"

namespace moe_test {

// A JSON number, boolean (0 or 1) or nested array of them, as one flat list in row-major order.
inline std::vector<double> flat(const nlohmann::json& j) {
  std::vector<double> out;
  if (j.is_array()) {
    for (const nlohmann::json& v : j) {
      const std::vector<double> inner = flat(v);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  } else {
    out.push_back(j.is_boolean() ? (j.get<bool>() ? 1.0 : 0.0) : j.get<double>());
  }
  return out;
}

template <class T>
std::vector<double> as_double(const std::vector<T>& v) {
  return {v.begin(), v.end()};
}

inline nlohmann::json load_oracle_json(const std::string& name) {
  const std::string text = read_text_file(oracle_path(name));
  REQUIRE_MESSAGE(!text.empty(), "cannot read oracle case " << oracle_path(name));
  return nlohmann::json::parse(text);
}

// The golden cases' tolerance on values: 1e-5 absolute (indices and counts compare exactly).
constexpr double kOracleTol = 1e-5;

// Every value of `got` within kOracleTol of the (nested) JSON array `want`; a failure names `what`
// and the first index off.
template <class Values>
void check_oracle_close(const Values& got, const nlohmann::json& want, const std::string& what) {
  check_close(got, flat(want), kOracleTol, 0, what);
}

// One value within kOracleTol of the JSON number `want`; a failure names `what` and both values.
inline void check_oracle_near(double got, const nlohmann::json& want, const std::string& what) {
  CHECK_MESSAGE(std::fabs(got - want.get<double>()) <= kOracleTol,
                what << ": got " << got << ", expected " << want.get<double>());
}

// One golden case run through the full layer: the parsed case, its trace and the whole file.
struct OracleRun {
  moe::OracleCase oc;
  moe::Trace trace;
  nlohmann::json file;
  const nlohmann::json& expected() const { return file["expected"]; }
};

inline OracleRun run_oracle_case(const std::string& name) {
  OracleRun ran;
  ran.file = load_oracle_json(name);
  moe::Result<moe::OracleCase> parsed = moe::parse_case(read_text_file(oracle_path(name)));
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message()));
  ran.oc = std::move(parsed.value());
  moe::Layer layer(ran.oc.config, ran.oc.weights);
  moe::Result<const moe::Trace*> r =
      layer.forward(ran.oc.input.data(), ran.oc.input.size(), ran.oc.tokens);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  ran.trace = *r.value();
  return ran;
}

}  // namespace moe_test

// Helpers shared by the engine tests: deterministic random data, file reading, and array
// comparison that reports the first mismatch (index and both values) when it fails.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/rng.hpp"

namespace moe_test {

// One in-process run of a CLI command (`moe forward`, `moe lm ...`): exit status and both streams.
struct CliRun {
  int status = -1;
  std::string out, err;
};

template <class Command>
CliRun run_cli(Command command, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliRun r;
  r.status = command(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline std::vector<float> random_floats(size_t n, uint64_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  moe::SplitMix64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = lo + (hi - lo) * static_cast<float>(rng.next_unit());
  return v;
}

// The same floats, bit for bit (NaNs and signed zeros included).
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::string oracle_path(const std::string& name) {
  return std::string(MOE_ORACLE_DIR) + "/" + name + ".json";
}

// |actual[i] - expected[i]| <= abs_tol + rel_tol · |expected[i]| for all i; on failure the
// message names the first offending index and both values.
template <class A, class B>
void check_close(const A& actual, const B& expected, double abs_tol, double rel_tol,
                 const std::string& what) {
  REQUIRE_MESSAGE(actual.size() == expected.size(),
                  what << ": size " << actual.size() << " vs " << expected.size());
  size_t bad = actual.size();
  double worst = 0.0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    const double err = std::fabs(a - e);
    if (!(err <= abs_tol + rel_tol * std::fabs(e))) {  // also catches NaN
      if (bad == actual.size()) bad = i;
      worst = std::max(worst, err);
    }
  }
  if (bad != actual.size()) {
    FAIL_CHECK(what << ": first mismatch at [" << bad << "]: got " << actual[bad] << ", expected "
                    << expected[bad] << " (worst error " << worst << ", tolerance " << abs_tol
                    << " + " << rel_tol << "·|expected|)");
  }
}

}  // namespace moe_test

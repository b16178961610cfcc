// `moe forward`: run one case in the oracle format through the full layer and print the values
// under the names of the case's `expected` (shared/oracle/README.md). In-process and testable:
// everything goes to the given streams and the exit status is returned.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <cstdint>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace moe::cli {

// A float as the JSON number with the shortest decimal that reads back as the same float32
// (%.*g with 1..9 significant digits; Emscripten's libc++ has no float to_chars).
nlohmann::json number(float v);

// data [rows, cols] row-major → [[...], ...] (floats through number(), integers as they are)
template <class T>
nlohmann::json rows_json(const T* data, int64_t rows, int64_t cols) {
  nlohmann::json m = nlohmann::json::array();
  for (int64_t r = 0; r < rows; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (int64_t c = 0; c < cols; ++c) {
      if constexpr (std::is_same_v<T, float>) {
        row.push_back(number(data[r * cols + c]));
      } else {
        row.push_back(data[r * cols + c]);
      }
    }
    m.push_back(std::move(row));
  }
  return m;
}

// Help text of `moe forward --help`.
extern const char* const kForwardUsage;

// args: the words after `forward` (CASE.json, or -h / --help). Prints one JSON object on `out`
// and returns 0, or prints one line `error: <where>: <reason>` on `err` and returns 2.
int run_forward(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The same on the text of a case (no file): what run_forward does after reading the file.
int forward_text(const std::string& text, std::ostream& out, std::ostream& err);

}  // namespace moe::cli

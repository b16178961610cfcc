// Internal: reading typed fields out of nlohmann::json without exceptions. Every reader returns
// std::nullopt on success or the Error naming the field (`where`) and what was wrong with it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "moe/result.hpp"

namespace moe::detail {

using json = nlohmann::json;
using MaybeError = std::optional<Error>;

// Largest JSON text the engine parses: 64 MiB; deepest nesting of arrays and objects: 64.
inline constexpr size_t kMaxJsonBytes = 64u << 20;
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` into `out`; on failure `json: parse error at byte N: <what>`. Empty text, text
// above kMaxJsonBytes and nesting deeper than kMaxJsonDepth are refused before parsing.
MaybeError parse_json_text(std::string_view text, json& out);

// A short description of a value for "got ..." in messages: 5, "foo", an object, an array of 3.
std::string describe(const json& value);

// An enum's names, listed once: the {name, value} pairs a parser matches and to_string prints.
template <class Enum, std::size_t N>
using EnumNames = std::array<std::pair<std::string_view, Enum>, N>;

// The name of `value` in `names`; "?" when it has none.
template <class Enum, std::size_t N>
constexpr std::string_view name_of(const EnumNames<Enum, N>& names, Enum value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

// The value called `name` in `names` into `out`; false (and `out` unchanged) when none is.
template <class Enum, std::size_t N>
constexpr bool value_of(const EnumNames<Enum, N>& names, std::string_view name, Enum& out) {
  for (const auto& [n, v] : names) {
    if (n == name) {
      out = v;
      return true;
    }
  }
  return false;
}

// `where.key` helper.
inline std::string field(const std::string& where, std::string_view key) {
  return where + "." + std::string(key);
}

// Integer field `where.key` within [lo, hi]; missing, non-integer and out-of-range are errors.
MaybeError read_int(const json& object, std::string_view key, const std::string& where, int64_t lo,
                    int64_t hi, int64_t& out);
// String field `where.key`.
MaybeError read_string(const json& object, std::string_view key, const std::string& where,
                       std::string& out);
// Whether `where.key` is given: present and not null (null reads as absent).
inline bool given(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && !it->is_null();
}
// Optional integer field within [lo, hi]; absent or null keeps `out`.
MaybeError read_optional_int(const json& object, std::string_view key, const std::string& where,
                             int64_t lo, int64_t hi, int& out);
// Optional finite number within [lo, hi]: `must be between lo and hi`; absent or null keeps `out`.
MaybeError read_optional_number(const json& object, std::string_view key, const std::string& where,
                                double lo, double hi, double& out);
// Optional boolean field `where.key` (absent or null keeps `out`).
MaybeError read_optional_bool(const json& object, std::string_view key, const std::string& where,
                              bool& out);

// A number that is finite as float32, read into `out`.
MaybeError read_finite_float(const json& value, const std::string& where, float& out);
// out[i] = value[i], i < n: `where: expected n numbers, got m`.
MaybeError read_vector(const json& value, const std::string& where, int64_t n, float* out);
// out[r*cols + c] = value[r][c] (row-major): `where: expected R rows, got m`.
MaybeError read_matrix(const json& value, const std::string& where, int64_t rows, int64_t cols,
                       float* out);

}  // namespace moe::detail

// Argument checks shared by the routing functions. Each returns "" when the argument is fine and
// otherwise a message `name: reason` naming the argument; callers stop at the first message and
// return it in their result's `error` field (errors are values; nothing throws or aborts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace moe::routing::detail {

// Size limits: keep every product of dimensions far from int overflow and every allocation small.
inline constexpr int64_t kMaxRows = 1 << 20;     // tokens (or layers·tokens)
inline constexpr int64_t kMaxCols = 1 << 16;     // experts or slots
inline constexpr int64_t kMaxCells = 1LL << 26;  // rows · cols

// lo <= value <= hi, e.g. "experts: must be between 1 and 65536, got 0".
std::string check_range(const char* name, int64_t value, int64_t lo, int64_t hi);

// rows · cols <= kMaxCells.
std::string check_cells(const char* name, int64_t rows, int64_t cols);

// size == want, e.g. "logits: must hold tokens·experts = 24 values, got 20".
std::string check_size(const char* name, std::size_t size, int64_t want, const char* formula);

// A row-major matrix argument `name` [rows, cols]: rows_name within [1, kMaxRows], cols_name
// within [1, kMaxCols], rows · cols <= kMaxCells, and values.size() == rows · cols (formula
// "rows_name·cols_name"). Finiteness is the caller's separate, later check (check_finite).
std::string check_matrix(const char* name, std::span<const float> values, const char* rows_name,
                         int64_t rows, const char* cols_name, int64_t cols);

// The first non-empty message of a list of checks, or "" when all passed.
std::string first_error(std::initializer_list<std::string> checks);

// Every value is finite (no NaN, no ±inf), e.g. "logits[3]: must be finite, got nan".
std::string check_finite(const char* name, std::span<const float> values);

}  // namespace moe::routing::detail

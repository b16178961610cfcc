#include "routing/validate.hpp"

#include <cmath>

namespace moe::routing::detail {

std::string check_range(const char* name, int64_t value, int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi) return "";
  return std::string(name) + ": must be between " + std::to_string(lo) + " and " +
         std::to_string(hi) + ", got " + std::to_string(value);
}

std::string check_cells(const char* name, int64_t rows, int64_t cols) {
  if (rows * cols <= kMaxCells) return "";
  return std::string(name) + ": " + std::to_string(rows) + " x " + std::to_string(cols) +
         " values exceed the limit of " + std::to_string(kMaxCells);
}

std::string check_matrix(const char* name, std::span<const float> values, const char* rows_name,
                         int64_t rows, const char* cols_name, int64_t cols) {
  const std::string formula = std::string(rows_name) + "·" + cols_name;
  return first_error({check_range(rows_name, rows, 1, kMaxRows),
                      check_range(cols_name, cols, 1, kMaxCols), check_cells(name, rows, cols),
                      check_size(name, values.size(), rows * cols, formula.c_str())});
}

std::string check_size(const char* name, std::size_t size, int64_t want, const char* formula) {
  if (static_cast<int64_t>(size) == want) return "";
  return std::string(name) + ": must hold " + formula + " = " + std::to_string(want) +
         " values, got " + std::to_string(size);
}

std::string first_error(std::initializer_list<std::string> checks) {
  for (const std::string& message : checks) {
    if (!message.empty()) return message;
  }
  return "";
}

std::string check_finite(const char* name, std::span<const float> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return std::string(name) + "[" + std::to_string(i) + "]: must be finite, got " +
             std::to_string(values[i]);
    }
  }
  return "";
}

}  // namespace moe::routing::detail

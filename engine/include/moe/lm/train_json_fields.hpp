// Typed fields of a TRAIN.json object with their ranges (moved from the `moe lm train` command so
// the page's trainer reads the same fields the same way). Each reader marks its key as seen and
// returns std::nullopt, or the Error naming the key; unknown() then reports the first key nobody
// read.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "moe/result.hpp"

namespace moe::lm {

class TrainJsonFields {
 public:
  using json = nlohmann::json;
  explicit TrainJsonFields(const json& doc) : doc_(doc) {}

  std::optional<Error> number(const char* key, double lo, double hi, double& out) {
    seen_.insert(key);
    const auto it = doc_.find(key);
    if (it == doc_.end()) return std::nullopt;
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lo ||
        it->get<double>() > hi) {
      return Error{
          key, "must be a number between " + trim(lo) + " and " + trim(hi) + ", got " + it->dump()};
    }
    out = it->get<double>();
    return std::nullopt;
  }
  std::optional<Error> integer(const char* key, int64_t lo, int64_t hi, int64_t& out) {
    seen_.insert(key);
    const auto it = doc_.find(key);
    if (it == doc_.end()) return std::nullopt;
    if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
      return Error{key, "must be an integer between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + ", got " + it->dump()};
    }
    out = it->get<int64_t>();
    return std::nullopt;
  }
  std::optional<Error> string(const char* key, bool required, std::string& out) {
    seen_.insert(key);
    const auto it = doc_.find(key);
    if (it == doc_.end()) {
      if (required) return Error{key, "missing (required)"};
      return std::nullopt;
    }
    if (!it->is_string() || it->get<std::string>().empty()) {
      return Error{key, "must be a non-empty string, got " + it->dump()};
    }
    out = it->get<std::string>();
    return std::nullopt;
  }
  const json* object(const char* key) {
    seen_.insert(key);
    const auto it = doc_.find(key);
    return it == doc_.end() ? nullptr : &*it;
  }
  // Marks a key as read by someone else (so unknown() does not report it).
  void allow(const std::string& key) { seen_.insert(key); }
  std::optional<Error> unknown() const {
    for (const auto& [key, value] : doc_.items()) {
      if (!seen_.count(key)) return Error{key, "unknown field (see moe lm train --help)"};
    }
    return std::nullopt;
  }

 private:
  static std::string trim(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
  const json& doc_;
  std::set<std::string> seen_;
};

}  // namespace moe::lm

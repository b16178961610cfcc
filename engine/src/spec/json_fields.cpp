#include "spec/json_fields.hpp"

#include <cmath>
#include <limits>

namespace moe::detail {
namespace {

// A SAX consumer that accepts everything and only remembers the first parse error, to report
// the byte position that json::parse(text, nullptr, false) does not give.
class ParseErrorProbe : public nlohmann::json_sax<json> {
 public:
  size_t position = 0;
  std::string what;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    position = pos;
    what = ex.what();
    return false;
  }
};

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." -> the
// part after the location.
std::string strip_location(const std::string& what) {
  const size_t column = what.find("column ");
  if (column == std::string::npos && what.rfind("[json.exception.", 0) == 0) {
    const size_t close = what.find("] ");  // "[json.exception.out_of_range.406] number overflow"
    return close == std::string::npos ? what : what.substr(close + 2);
  }
  const size_t colon = what.find(": ", column == std::string::npos ? 0 : column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// One pass over the text, outside strings: the byte where [ / { nesting first exceeds
// kMaxJsonDepth, or npos. Runs before the parser, so a hostile document never builds a deep tree.
size_t too_deep_at(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

// `value` is an array of exactly n items, each one `unit` (e.g. "numbers", "rows").
MaybeError check_array_of(const json& value, const std::string& where, int64_t n,
                          const char* unit) {
  const std::string want = std::to_string(n) + " " + unit;
  if (!value.is_array()) {
    return Error{where, "must be an array of " + want + ", got " + describe(value)};
  }
  if (static_cast<int64_t>(value.size()) != n) {
    return Error{where, "expected " + want + ", got " + std::to_string(value.size())};
  }
  return std::nullopt;
}

}  // namespace

MaybeError parse_json_text(std::string_view text, json& out) {
  if (text.size() > kMaxJsonBytes) {
    return Error{"json", "text is " + std::to_string(text.size()) + " bytes, above the cap of " +
                             std::to_string(kMaxJsonBytes) + " bytes"};
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Error{"json", "empty input"};
  }
  if (const size_t at = too_deep_at(text); at != std::string_view::npos) {
    return Error{"json", "nesting deeper than " + std::to_string(kMaxJsonDepth) +
                             " levels at byte " + std::to_string(at)};
  }
  out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!out.is_discarded()) return std::nullopt;
  ParseErrorProbe probe;
  json::sax_parse(text, &probe);
  return Error{"json", "parse error at byte " + std::to_string(probe.position) + ": " +
                           strip_location(probe.what)};
}

std::string describe(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array of " + std::to_string(value.size());
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      return s.size() <= 40 ? "\"" + s + "\"" : "\"" + s.substr(0, 40) + "...\"";
    }
    default:
      return value.dump();
  }
}

MaybeError read_int(const json& object, std::string_view key, const std::string& where, int64_t lo,
                    int64_t hi, int64_t& out) {
  const std::string name = field(where, key);
  const auto it = object.find(key);
  if (it == object.end()) return Error{name, "missing (expected an integer)"};
  const json& v = *it;
  if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
    out = v.get<int64_t>();
  } else if (v.is_number_float() && std::isfinite(v.get<double>()) &&
             std::trunc(v.get<double>()) == v.get<double>() && std::fabs(v.get<double>()) < 9e15) {
    out = static_cast<int64_t>(v.get<double>());
  } else {
    return Error{name, "must be an integer, got " + describe(v)};
  }
  if (out < lo) return Error{name, "must be >= " + std::to_string(lo) + ", got " + describe(v)};
  if (out > hi) return Error{name, "must be <= " + std::to_string(hi) + ", got " + describe(v)};
  return std::nullopt;
}

MaybeError read_string(const json& object, std::string_view key, const std::string& where,
                       std::string& out) {
  const std::string name = field(where, key);
  const auto it = object.find(key);
  if (it == object.end()) return Error{name, "missing (expected a string)"};
  if (!it->is_string()) return Error{name, "must be a string, got " + describe(*it)};
  out = it->get<std::string>();
  return std::nullopt;
}

MaybeError read_optional_bool(const json& object, std::string_view key, const std::string& where,
                              bool& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    return Error{field(where, key), "must be true or false, got " + describe(*it)};
  }
  out = it->get<bool>();
  return std::nullopt;
}

MaybeError read_optional_int(const json& object, std::string_view key, const std::string& where,
                             int64_t lo, int64_t hi, int& out) {
  if (!given(object, key)) return std::nullopt;
  int64_t v = 0;
  if (auto err = read_int(object, key, where, lo, hi, v)) return err;
  out = static_cast<int>(v);
  return std::nullopt;
}

MaybeError read_optional_number(const json& object, std::string_view key, const std::string& where,
                                double lo, double hi, double& out) {
  if (!given(object, key)) return std::nullopt;
  const json& v = *object.find(key);
  const std::string name = field(where, key);
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    return Error{name, "must be a finite number, got " + describe(v)};
  }
  const double x = v.get<double>();
  if (x < lo || x > hi) {
    return Error{name, "must be between " + json(lo).dump() + " and " + json(hi).dump() + ", got " +
                           v.dump()};
  }
  out = x;
  return std::nullopt;
}

MaybeError read_finite_float(const json& value, const std::string& where, float& out) {
  if (!value.is_number()) return Error{where, "must be a finite number, got " + describe(value)};
  const double d = value.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<float>::max()) {
    return Error{where, "must be a finite number, got " + describe(value)};
  }
  out = static_cast<float>(d);
  return std::nullopt;
}

MaybeError read_vector(const json& value, const std::string& where, int64_t n, float* out) {
  if (auto err = check_array_of(value, where, n, "numbers")) return err;
  for (int64_t i = 0; i < n; ++i) {
    if (auto err = read_finite_float(value[i], where + "[" + std::to_string(i) + "]", out[i])) {
      return err;
    }
  }
  return std::nullopt;
}

MaybeError read_matrix(const json& value, const std::string& where, int64_t rows, int64_t cols,
                       float* out) {
  if (auto err = check_array_of(value, where, rows, "rows")) return err;
  for (int64_t r = 0; r < rows; ++r) {
    const std::string row_where = where + "[" + std::to_string(r) + "]";
    if (auto err = read_vector(value[r], row_where, cols, out + r * cols)) return err;
  }
  return std::nullopt;
}

}  // namespace moe::detail

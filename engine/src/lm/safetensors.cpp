#include "moe/lm/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "spec/json_fields.hpp"

namespace moe::lm {
namespace {

using detail::json;

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint32_t read_u32_le(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t read_u16_le(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

void append_le(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

bool dtype_from_string(const std::string& s, Dtype& out) {
  if (s == "F32") {
    out = Dtype::F32;
  } else if (s == "F16") {
    out = Dtype::F16;
  } else if (s == "BF16") {
    out = Dtype::BF16;
  } else if (s == "F64") {
    out = Dtype::F64;
  } else {
    return false;
  }
  return true;
}

// A non-negative JSON integer (offsets, dimensions): `where: must be ...` otherwise.
detail::MaybeError read_count(const json& v, const std::string& where, uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
    return std::nullopt;
  }
  if (v.is_number_integer()) return Error{where, "must be >= 0, got " + v.dump()};
  return Error{where, "must be a non-negative integer, got " + detail::describe(v)};
}

// The top-level keys of the header, in order, so a repeated name is caught (nlohmann keeps only
// the last of two equal keys).
detail::MaybeError find_duplicate_name(std::string_view text) {
  std::set<std::string> seen;
  std::string repeated;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && repeated.empty()) {
      const std::string& name = parsed.get_ref<const std::string&>();
      if (!seen.insert(name).second) repeated = name;
    }
    return true;
  };
  const json discarded = json::parse(text, cb, /*allow_exceptions=*/false);
  (void)discarded;
  if (repeated.empty()) return std::nullopt;
  return Error{"safetensors.header", "tensor name \"" + repeated + "\" appears twice"};
}

struct Entry {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;
  uint64_t numel = 1, begin = 0, end = 0;
};

// One header entry, checked against the size of the data section.
Result<Entry> read_entry(const std::string& name, const json& v, uint64_t data_bytes) {
  const std::string where = "safetensors." + name;
  if (!v.is_object()) return Error{where, "must be an object, got " + detail::describe(v)};
  Entry e;
  e.name = name;
  std::string dtype;
  if (auto err = detail::read_string(v, "dtype", where, dtype)) return *err;
  if (!dtype_from_string(dtype, e.dtype)) {
    return Error{where + ".dtype",
                 "unsupported dtype \"" + dtype + "\" (expected one of F32, F16, BF16, F64)"};
  }
  const auto shape = v.find("shape");
  if (shape == v.end()) return Error{where + ".shape", "missing (expected an array of integers)"};
  if (!shape->is_array()) {
    return Error{where + ".shape", "must be an array of integers, got " + detail::describe(*shape)};
  }
  if (shape->size() > static_cast<size_t>(kMaxRank)) {
    return Error{where + ".shape", "has " + std::to_string(shape->size()) +
                                       " dimensions, above the cap of " + std::to_string(kMaxRank)};
  }
  // numel · dtype bytes is kept below 2^62, so no product of dimensions can overflow unnoticed: a
  // running product above that is "too big" (unless a 0 follows) and can never match the span.
  const uint64_t cap = (uint64_t{1} << 62) / dtype_bytes(e.dtype);
  bool too_big = false;
  for (size_t i = 0; i < shape->size(); ++i) {
    uint64_t dim = 0;
    if (auto err = read_count((*shape)[i], where + ".shape[" + std::to_string(i) + "]", dim)) {
      return *err;
    }
    if (dim > (uint64_t{1} << 62)) {
      return Error{where + ".shape[" + std::to_string(i) + "]",
                   "must be <= 2^62, got " + std::to_string(dim)};
    }
    e.shape.push_back(static_cast<int64_t>(dim));
    if (dim == 0) {
      e.numel = 0;
      too_big = false;
    } else if (e.numel != 0 && !too_big) {
      too_big = e.numel > cap / dim;
      if (!too_big) e.numel *= dim;
    }
  }
  const auto offsets = v.find("data_offsets");
  if (offsets == v.end()) {
    return Error{where + ".data_offsets", "missing (expected [begin, end])"};
  }
  if (!offsets->is_array() || offsets->size() != 2) {
    return Error{where + ".data_offsets",
                 "must be an array [begin, end], got " + detail::describe(*offsets)};
  }
  if (auto err = read_count((*offsets)[0], where + ".data_offsets[0]", e.begin)) return *err;
  if (auto err = read_count((*offsets)[1], where + ".data_offsets[1]", e.end)) return *err;
  if (e.end < e.begin) {
    return Error{where + ".data_offsets",
                 "end " + std::to_string(e.end) + " is before begin " + std::to_string(e.begin)};
  }
  if (e.end > data_bytes) {
    return Error{where + ".data_offsets", "end " + std::to_string(e.end) +
                                              " is past the end of the data (" +
                                              std::to_string(data_bytes) + " bytes)"};
  }
  const uint64_t span = e.end - e.begin;
  if (too_big || e.numel * dtype_bytes(e.dtype) != span) {
    return Error{where + ".data_offsets",
                 "span of " + std::to_string(span) + " bytes does not match shape " +
                     shape_string(e.shape) + " of " + std::string(to_string(e.dtype)) + " (" +
                     (too_big ? std::string("more bytes than the file holds")
                              : std::to_string(e.numel * dtype_bytes(e.dtype)) + " bytes") +
                     ")"};
  }
  return e;
}

void decode(const uint8_t* p, Dtype dtype, uint64_t n, float* out) {
  for (uint64_t i = 0; i < n; ++i) {
    switch (dtype) {
      case Dtype::F32:
        out[i] = bits_float(read_u32_le(p + 4 * i));
        break;
      case Dtype::F16:
        out[i] = f16_to_f32(read_u16_le(p + 2 * i));
        break;
      case Dtype::BF16:
        out[i] = bf16_to_f32(read_u16_le(p + 2 * i));
        break;
      case Dtype::F64: {
        const uint64_t u = read_u64_le(p + 8 * i);
        double d;
        std::memcpy(&d, &u, 8);
        out[i] = static_cast<float>(d);
        break;
      }
    }
  }
}

}  // namespace

std::string_view to_string(Dtype dtype) {
  switch (dtype) {
    case Dtype::F32:
      return "F32";
    case Dtype::F16:
      return "F16";
    case Dtype::BF16:
      return "BF16";
    case Dtype::F64:
      return "F64";
  }
  return "?";
}

size_t dtype_bytes(Dtype dtype) {
  switch (dtype) {
    case Dtype::F16:
    case Dtype::BF16:
      return 2;
    case Dtype::F64:
      return 8;
    case Dtype::F32:
      break;
  }
  return 4;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0) {  // zero or subnormal: m · 2^-24, exact in float
    const float v = std::ldexp(static_cast<float>(m), -24);
    return sign ? -v : v;
  }
  if (e == 31) return bits_float(sign | 0x7f800000u | (m << 13));  // inf, NaN
  return bits_float(sign | ((e + 112) << 23) | (m << 13));
}

uint16_t f32_to_f16(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u, a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) return static_cast<uint16_t>(sign | (a > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (a < 0x38800000u) {  // below 2^-14: a half subnormal, in units of 2^-24
    if (a < 0x33000000u) return static_cast<uint16_t>(sign);  // <= 2^-25 rounds to 0
    const uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t r = (a - 0x38000000u) >> 13;  // exponent rebiased 127 -> 15
  const uint32_t rem = a & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;  // a carry rolls into the exponent
  return static_cast<uint16_t>(sign | r);
}

float bf16_to_f32(uint16_t h) {
  return bits_float(uint32_t{h} << 16);
}

uint16_t f32_to_bf16(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // NaN
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

Result<Safetensors> safetensors_read(std::span<const uint8_t> bytes) {
  const uint64_t size = bytes.size();
  if (size > kMaxSafetensorsBytes) {
    return Error{"safetensors", "file is " + std::to_string(size) + " bytes, above the cap of " +
                                    std::to_string(kMaxSafetensorsBytes) + " bytes"};
  }
  if (size < 8) {
    return Error{"safetensors", "file is " + std::to_string(size) +
                                    " bytes, too short for the 8-byte header length"};
  }
  const uint64_t n = read_u64_le(bytes.data());
  if (n > kMaxHeaderBytes) {
    return Error{"safetensors", "header length " + std::to_string(n) + " is above the cap of " +
                                    std::to_string(kMaxHeaderBytes) + " bytes"};
  }
  if (n > size - 8) {
    return Error{"safetensors", "header length " + std::to_string(n) +
                                    " runs past the end of the file (" + std::to_string(size - 8) +
                                    " bytes follow the length)"};
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), n);
  json header;
  if (auto err = detail::parse_json_text(text, header)) {
    return Error{"safetensors.header", err->reason};
  }
  if (!header.is_object()) {
    return Error{"safetensors.header", "must be a JSON object, got " + detail::describe(header)};
  }
  if (auto err = find_duplicate_name(text)) return *err;

  const uint8_t* data = bytes.data() + 8 + n;
  const uint64_t data_bytes = size - 8 - n;
  Safetensors out;
  std::vector<Entry> entries;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) {
        return Error{"safetensors.__metadata__", "must be an object, got " + detail::describe(v)};
      }
      for (const auto& [key, value] : v.items()) {
        if (!value.is_string()) {
          return Error{"safetensors.__metadata__." + key,
                       "must be a string, got " + detail::describe(value)};
        }
        out.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    if (name.empty()) return Error{"safetensors.header", "a tensor has an empty name"};
    Result<Entry> e = read_entry(name, v, data_bytes);
    if (!e.ok()) return e.error();
    entries.push_back(std::move(e.value()));
  }

  // No two tensors may share a byte.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin == e.end) continue;
    if (previous != nullptr && e.begin < previous->end) {
      return Error{"safetensors." + e.name + ".data_offsets",
                   "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                       "] overlaps tensor \"" + previous->name + "\" [" +
                       std::to_string(previous->begin) + ", " + std::to_string(previous->end) +
                       "]"};
    }
    previous = &e;
  }
  for (const Entry& e : entries) {
    Tensor t;
    t.dtype = e.dtype;
    t.shape = e.shape;
    t.data.resize(e.numel);
    decode(data + e.begin, e.dtype, e.numel, t.data.data());
    out.order.push_back(e.name);
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

Result<std::vector<uint8_t>> safetensors_write(const std::vector<NamedTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata,
                                               Dtype dtype) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) header["__metadata__"][k] = v;
  }
  std::set<std::string> names;
  uint64_t offset = 0;
  const size_t bytes_per = dtype_bytes(dtype);
  for (const NamedTensor& t : tensors) {
    const std::string where = "safetensors." + t.name;
    if (t.name.empty() || t.name == "__metadata__") {
      return Error{"safetensors", "invalid tensor name \"" + t.name + "\""};
    }
    if (!names.insert(t.name).second) return Error{where, "name appears twice"};
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      if (d < 0) return Error{where + ".shape", "has a negative dimension " + std::to_string(d)};
      numel *= static_cast<uint64_t>(d);
    }
    if (numel != t.data.size()) {
      return Error{where, "shape " + shape_string(t.shape) + " holds " + std::to_string(numel) +
                              " values, got " + std::to_string(t.data.size())};
    }
    const uint64_t end = offset + numel * bytes_per;
    header[t.name] = {
        {"dtype", to_string(dtype)}, {"shape", t.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::vector<uint8_t> out;
  out.reserve(8 + text.size() + offset);
  append_le(out, text.size(), 8);
  out.insert(out.end(), text.begin(), text.end());
  for (const NamedTensor& t : tensors) {
    for (float f : t.data) {
      switch (dtype) {
        case Dtype::F32:
          append_le(out, float_bits(f), 4);
          break;
        case Dtype::F16:
          append_le(out, f32_to_f16(f), 2);
          break;
        case Dtype::BF16:
          append_le(out, f32_to_bf16(f), 2);
          break;
        case Dtype::F64: {
          const double d = f;
          uint64_t u;
          std::memcpy(&u, &d, 8);
          append_le(out, u, 8);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace moe::lm

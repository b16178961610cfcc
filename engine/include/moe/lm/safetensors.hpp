// safetensors: the checkpoint format of the Hugging Face ecosystem, read from and written to a
// byte buffer (no file I/O here, so the same code runs in wasm on fetched bytes).
//
//   bytes [0, 8)          N, the header length, unsigned 64-bit little-endian
//   bytes [8, 8 + N)      UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype": "F32",
//                         "shape": [..], "data_offsets": [begin, end]}, ...}
//   bytes [8 + N, end)    tensor data, row-major, little-endian; offsets count from 8 + N
//
// Reading converts every tensor to float (F16 and BF16 exactly, F64 rounded to nearest). Every
// malformed file is an Error naming the tensor or field and the reason; nothing is trusted
// before it is checked (lengths, offsets and shape products are overflow-safe).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moe/result.hpp"

namespace moe::lm {

enum class Dtype { F32, F16, BF16, F64 };
std::string_view to_string(Dtype dtype);
size_t dtype_bytes(Dtype dtype);

// Limits: a file above kMaxSafetensorsBytes or a header above kMaxHeaderBytes is refused before
// anything is parsed or allocated; a tensor has at most kMaxRank dimensions.
inline constexpr uint64_t kMaxSafetensorsBytes = 1ull << 30;  // 1 GiB
inline constexpr uint64_t kMaxHeaderBytes = 16ull << 20;      // 16 MiB
inline constexpr int kMaxRank = 8;

struct Tensor {
  Dtype dtype = Dtype::F32;    // as stored in the file
  std::vector<int64_t> shape;  // row-major dimensions; [] is a scalar (1 element)
  std::vector<float> data;     // [Π shape]  converted to float
  int64_t numel() const;
};

// A shape as error messages print it: "[8, 128]".
std::string shape_string(const std::vector<int64_t>& shape);

struct Safetensors {
  std::map<std::string, std::string> metadata;  // "__metadata__" (string values only)
  std::map<std::string, Tensor> tensors;        // by name
  std::vector<std::string> order;               // tensor names in data-offset order
};

// Parses a whole safetensors file. Errors are `safetensors: <reason>` for the file as a whole,
// `safetensors.header: ...` for the JSON, `safetensors.<tensor>.<field>: ...` for one tensor.
Result<Safetensors> safetensors_read(std::span<const uint8_t> bytes);

// One tensor to write: its name, shape and float data (numel(shape) values).
struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// The file bytes of `tensors`, stored back to back in the given order as `dtype` (F32 exact; F16
// and BF16 round to nearest even; F64 exact), with `metadata` as "__metadata__" and the header
// padded with spaces to a multiple of 8. Errors: a name that is empty, "__metadata__" or
// repeated; data whose size is not the shape's product; a negative dimension.
Result<std::vector<uint8_t>> safetensors_write(const std::vector<NamedTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata,
                                               Dtype dtype = Dtype::F32);

// IEEE half and bfloat16 conversions (round to nearest even; NaN stays NaN, overflow gives inf).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);

}  // namespace moe::lm

// The safetensors reader and writer: what the writer produces reads back bit for bit (F32, and
// F16 through the half conversion), the golden checkpoints read, and every malformed file is an
// Error with its own message, never a crash.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "lm_test_support.hpp"
#include "moe/lm/safetensors.hpp"

namespace {

using moe::lm::Dtype;
using moe::lm::NamedTensor;

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// A file made of a header text and `data_bytes` zero bytes.
std::vector<uint8_t> file_with(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out;
  const uint64_t n = header.size();  // 64-bit: size_t is 32 bits in wasm
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

std::string read_error(const std::vector<uint8_t>& bytes) {
  auto r = moe::lm::safetensors_read(bytes);
  return r.ok() ? "(no error)" : r.error().message();
}

std::vector<NamedTensor> sample_tensors() {
  const float inf = std::numeric_limits<float>::infinity();
  return {{"a.weight", {2, 3}, {1.0f, -0.0f, 3.5f, 1e-40f, 65504.0f, -2.25f}},
          {"scalar", {}, {0.1f}},
          {"empty", {0, 4}, {}},
          {"b", {4}, {inf, -inf, 6.1035156e-05f, 5.9604645e-08f}}};
}

}  // namespace

TEST_CASE("safetensors: F32 written then read is bit for bit, with metadata and shapes") {
  const std::vector<NamedTensor> tensors = sample_tensors();
  auto bytes = moe::lm::safetensors_write(tensors, {{"format", "pt"}}, Dtype::F32);
  REQUIRE(bytes.ok());
  CHECK((bytes.value().size() - 8) % 8 == 4 * 11 % 8);  // header padded to a multiple of 8
  auto r = moe::lm::safetensors_read(bytes.value());
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r.value().metadata.at("format") == "pt");
  CHECK(r.value().order == std::vector<std::string>{"a.weight", "scalar", "empty", "b"});
  for (const NamedTensor& t : tensors) {
    CAPTURE(t.name);
    const moe::lm::Tensor& got = r.value().tensors.at(t.name);
    CHECK(got.dtype == Dtype::F32);
    CHECK(got.shape == t.shape);
    REQUIRE(got.data.size() == t.data.size());
    for (size_t i = 0; i < t.data.size(); ++i) CHECK(bits(got.data[i]) == bits(t.data[i]));
  }
}

TEST_CASE("safetensors: F16 written then read gives the half-rounded values, bit for bit") {
  // Values exactly representable in half come back unchanged; others come back rounded to the
  // nearest half (ties to even), the same as f16_to_f32(f32_to_f16(x)).
  const std::vector<float> exact = {0.0f,     -0.0f,          1.0f,           -2.5f,
                                    65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.099975586f};
  const std::vector<float> rounded = moe_test::random_floats(257, 9, -70000.0f, 70000.0f);
  std::vector<NamedTensor> tensors = {{"exact", {8}, exact}, {"rounded", {257}, rounded}};
  auto bytes = moe::lm::safetensors_write(tensors, {}, Dtype::F16);
  REQUIRE(bytes.ok());
  auto r = moe::lm::safetensors_read(bytes.value());
  REQUIRE(r.ok());
  CHECK(r.value().tensors.at("exact").dtype == Dtype::F16);
  const std::vector<float>& e = r.value().tensors.at("exact").data;
  for (size_t i = 0; i < exact.size(); ++i) CHECK(bits(e[i]) == bits(exact[i]));
  const std::vector<float>& g = r.value().tensors.at("rounded").data;
  for (size_t i = 0; i < rounded.size(); ++i) {
    const float want = moe::lm::f16_to_f32(moe::lm::f32_to_f16(rounded[i]));
    CHECK(bits(g[i]) == bits(want));
    if (std::fabs(rounded[i]) < 65504.0f)
      CHECK(std::fabs(g[i] - rounded[i]) <= std::fabs(rounded[i]) / 1024);
  }
  // Written again as F16 it is byte for byte the same file.
  std::vector<NamedTensor> again = {{"exact", {8}, e}, {"rounded", {257}, g}};
  auto bytes2 = moe::lm::safetensors_write(again, {}, Dtype::F16);
  REQUIRE(bytes2.ok());
  CHECK(bytes2.value() == bytes.value());
}

TEST_CASE("safetensors: half conversions at the edges") {
  using moe::lm::f16_to_f32;
  using moe::lm::f32_to_f16;
  CHECK(f32_to_f16(1.0f) == 0x3c00);
  CHECK(f32_to_f16(-2.0f) == 0xc000);
  CHECK(f32_to_f16(65504.0f) == 0x7bff);
  CHECK(f32_to_f16(65519.0f) == 0x7bff);        // below the midpoint to infinity
  CHECK(f32_to_f16(65520.0f) == 0x7c00);        // the midpoint rounds to even: infinity
  CHECK(f32_to_f16(5.9604645e-08f) == 0x0001);  // 2^-24, smallest subnormal
  CHECK(f32_to_f16(2.9802322e-08f) == 0x0000);  // 2^-25 ties to even: 0
  CHECK(f32_to_f16(0.1f) == 0x2e66);
  CHECK(f32_to_f16(1.0009766f) == 0x3c01);
  CHECK(f32_to_f16(1.00048828125f) == 0x3c00);  // halfway between 0x3c00 and 0x3c01: even
  CHECK(std::isnan(f16_to_f32(f32_to_f16(std::nanf("")))));
  CHECK(f16_to_f32(0x7c00) == std::numeric_limits<float>::infinity());
  CHECK(f16_to_f32(0x0001) == 5.9604645e-08f);
  CHECK(f16_to_f32(0x3555) == doctest::Approx(0.33325195));
  CHECK(moe::lm::bf16_to_f32(moe::lm::f32_to_bf16(1.5f)) == 1.5f);
}

TEST_CASE("safetensors: the golden checkpoints read with every tensor in header order") {
  const moe_test::LmCase c = moe_test::load_lm_case("mixtral_tiny_l2_e4_top2");
  auto r = moe::lm::safetensors_read(c.weights);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  // 1 embedding + 2 layers × (4 attention + 1 gate + 4 experts × 3 + 2 norms) + norm + lm_head
  CHECK(r.value().tensors.size() == 1 + 2 * 19 + 2);
  CHECK(r.value().order.front() == "model.embed_tokens.weight");
  CHECK(r.value().tensors.at("lm_head.weight").shape == std::vector<int64_t>{48, 32});
  CHECK(r.value().metadata.at("format") == "pt");
}

TEST_CASE("safetensors: every malformed file gets its own error") {
  const std::string t = R"("t": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]})";
  CHECK(read_error(file_with("{" + t + "}", 16)) == "(no error)");  // the baseline is valid

  CHECK(read_error({1, 2, 3}) ==
        "safetensors: file is 3 bytes, too short for the 8-byte header length");
  std::vector<uint8_t> long_header = file_with("{}", 0);
  long_header[0] = 200;
  CHECK(read_error(long_header) ==
        "safetensors: header length 200 runs past the end of the file (2 bytes follow the "
        "length)");
  std::vector<uint8_t> huge_header = file_with("{}", 0);
  huge_header[7] = 0x80;
  CHECK(read_error(huge_header) ==
        "safetensors: header length 9223372036854775810 is above the cap of 16777216 bytes");
  CHECK(read_error(file_with("{\"t\": ", 0)).rfind("safetensors.header: parse error at byte", 0) ==
        0);
  CHECK(read_error(file_with("[1, 2]", 0)) ==
        "safetensors.header: must be a JSON object, got an array of 2");
  CHECK(
      read_error(file_with(R"({"t": {"dtype": "I7", "shape": [1], "data_offsets": [0, 4]}})", 4)) ==
      "safetensors.t.dtype: unsupported dtype \"I7\" (expected one of F32, F16, BF16, F64)");
  CHECK(read_error(file_with(R"({"t": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]}})",
                             16)) ==
        "safetensors.t.data_offsets: span of 16 bytes does not match shape [2, 3] of F32 (24 "
        "bytes)");
  CHECK(read_error(
            file_with(R"({"t": {"dtype": "F16", "shape": [3], "data_offsets": [0, 12]}})", 12)) ==
        "safetensors.t.data_offsets: span of 12 bytes does not match shape [3] of F16 (6 bytes)");
  CHECK(read_error(file_with("{" + t + "}", 12)) ==
        "safetensors.t.data_offsets: end 16 is past the end of the data (12 bytes)");
  CHECK(read_error(file_with(R"({"t": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})",
                             8)) == "safetensors.t.data_offsets: end 4 is before begin 8");
  CHECK(read_error(file_with(
            R"({"t": {"dtype": "F32", "shape": [-2, 2], "data_offsets": [0, 16]}})", 16)) ==
        "safetensors.t.shape[0]: must be >= 0, got -2");
  CHECK(
      read_error(file_with(
          R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 16]}})",
          16)) ==
      "safetensors.t.data_offsets: span of 16 bytes does not match shape [4294967296, "
      "4294967296, 4294967296] of F32 (more bytes than the file holds)");
  CHECK(read_error(file_with(R"({"t": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 16]}})",
                             16)) ==
        "safetensors.t.shape[0]: must be a non-negative integer, got 1e+30");
  CHECK(read_error(file_with(
            R"({"t": {"dtype": "F32", "shape": [1,1,1,1,1,1,1,1,1], "data_offsets": [0, 4]}})",
            4)) == "safetensors.t.shape: has 9 dimensions, above the cap of 8");
  CHECK(read_error(file_with(R"({"t": {"dtype": "F32", "shape": [2]}})", 8)) ==
        "safetensors.t.data_offsets: missing (expected [begin, end])");
  CHECK(read_error(file_with(R"({"t": {"dtype": "F32", "data_offsets": [0, 8]}})", 8)) ==
        "safetensors.t.shape: missing (expected an array of integers)");
  CHECK(
      read_error(file_with(
          R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
          16)) == "safetensors.b.data_offsets: [8, 16] overlaps tensor \"a\" [0, 12]");
  CHECK(read_error(file_with("{" + t + ", " + t + "}", 16)) ==
        "safetensors.header: tensor name \"t\" appears twice");
  CHECK(read_error(file_with(R"({"__metadata__": {"format": 1}})", 0)) ==
        "safetensors.__metadata__.format: must be a string, got 1");
  CHECK(read_error(file_with(R"({"t": [1, 2]})", 0)) ==
        "safetensors.t: must be an object, got an array of 2");
  // Only the length is looked at: the cap is checked before a byte is read.
  const std::vector<uint8_t> small(8, 0);
  const std::span<const uint8_t> oversized(small.data(), moe::lm::kMaxSafetensorsBytes + 1);
  auto big = moe::lm::safetensors_read(oversized);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message() ==
        "safetensors: file is 1073741825 bytes, above the cap of 1073741824 bytes");
}

TEST_CASE("safetensors: the writer refuses bad tensors") {
  auto dup = moe::lm::safetensors_write({{"x", {1}, {1}}, {"x", {1}, {2}}}, {});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message() == "safetensors.x: name appears twice");
  auto size = moe::lm::safetensors_write({{"x", {2, 2}, {1, 2, 3}}}, {});
  REQUIRE_FALSE(size.ok());
  CHECK(size.error().message() == "safetensors.x: shape [2, 2] holds 4 values, got 3");
  auto neg = moe::lm::safetensors_write({{"x", {-1}, {}}}, {});
  REQUIRE_FALSE(neg.ok());
  CHECK(neg.error().message() == "safetensors.x.shape: has a negative dimension -1");
}

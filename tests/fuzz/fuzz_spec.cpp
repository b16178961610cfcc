// libFuzzer target: the layer spec parser (`make_layer`, the JSON of web/src/engine/types.ts
// `LayerSpec`: config + weights + seed). Any input must give a Layer or an Error value, never a
// crash, a sanitizer report or an exception; a layer that parses must run one forward pass.
// Seeds: tests/oracle/*.json turned into specs by scripts/fuzz.mjs.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_checks.hpp"
#include "moe/spec/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  moe::Result<moe::Layer> layer = moe::make_layer(input_text(data, size));
  if (!ok_or_named(layer)) return 0;
  const moe::LayerConfig& c = layer.value().config();
  // One small forward pass over a fixed input: the parsed weights must be usable as they are.
  const int tokens = 3;
  const size_t n = static_cast<size_t>(tokens) * static_cast<size_t>(c.d_model);
  if (n > (size_t{1} << 20)) return 0;  // a huge but valid layer: parsing was the point
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(static_cast<int>(i % 7) - 3) * 0.25f;
  ok_or_named(layer.value().forward(x.data(), n, tokens));
  return 0;
}

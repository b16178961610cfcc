// libFuzzer target: the oracle-format case parser of `moe forward` (`parse_case`: config,
// weights, input [T][d]) followed by the layer's forward pass on the parsed case. Any input must
// end as an Error value or a finished forward pass: no crash, no sanitizer report, no exception.
// Seeds: tests/oracle/*.json (copied into the corpus by scripts/fuzz.mjs).
#include <cstddef>
#include <cstdint>

#include "fuzz_checks.hpp"
#include "moe/io/oracle_case.hpp"
#include "moe/layer/layer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  moe::Result<moe::OracleCase> parsed = moe::parse_case(input_text(data, size));
  if (!ok_or_named(parsed)) return 0;
  moe::OracleCase& c = parsed.value();
  moe::Layer layer(c.config, std::move(c.weights));
  auto run = layer.forward(c.input.data(), c.input.size(), c.tokens);
  // A second pass over the same buffers (the layer reuses its workspace between calls).
  if (ok_or_named(run)) (void)layer.forward(c.input.data(), c.input.size(), c.tokens);
  return 0;
}

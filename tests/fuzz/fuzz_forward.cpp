// libFuzzer target: the oracle-format case parser of `moe forward` (`parse_case`: config,
// weights, input [T][d]) followed by the layer's forward pass on the parsed case. Any input must
// end as an Error value or a finished forward pass: no crash, no sanitizer report, no exception.
// Seeds: tests/oracle/*.json (copied into the corpus by scripts/fuzz.mjs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "moe/io/oracle_case.hpp"
#include "moe/layer/layer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  moe::Result<moe::OracleCase> parsed = moe::parse_case(text);
  if (!parsed.ok()) {
    require_named(parsed.error());
    return 0;
  }
  moe::OracleCase& c = parsed.value();
  moe::Layer layer(c.config, std::move(c.weights));
  auto run = layer.forward(c.input.data(), c.input.size(), c.tokens);
  if (!run.ok()) require_named(run.error());
  // A second pass over the same buffers (the layer reuses its workspace between calls).
  if (run.ok()) (void)layer.forward(c.input.data(), c.input.size(), c.tokens);
  return 0;
}

// Embind entry point for the expert probe (calc/expert_probe): one expert of a layer opened up for
// one token, in its own EMSCRIPTEN_BINDINGS block. Same contract as bindings.cpp: it returns
// `{ok: true, ...}` or `{ok: false, error: "where: reason"}` and catches every C++ exception.
// web/src/engine/core.ts wraps it:
//   probeExpert(specJson, expert, input)   input: Float32Array [d]
//       -> {ok, probe: {expert, pre_activation, up, hidden, output}}   (Float32Array copies)
#include <string>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "moe/calc/expert_probe.hpp"
#include "moe/spec/spec.hpp"

namespace moe::wasm {
namespace {

// A Float32Array that owns a copy of v (the probe's vectors are temporaries).
val float_copy(const std::vector<float>& v) {
  return copy_of(v, "Float32Array");
}

val probe_expert(std::string spec_json, int expert, val input) {
  return guarded([&] {
    if (!input.instanceof (val::global("Float32Array"))) {
      return error_value("input: must be a Float32Array");
    }
    moe::Result<moe::Layer> layer = moe::make_layer(spec_json);
    if (!layer.ok()) return error_value(layer.error().message());
    const size_t n = input["length"].as<size_t>();
    if (n > static_cast<size_t>(moe::kMaxDim)) {
      return error_value("input: must hold one token, got " + std::to_string(n) + " floats");
    }
    std::vector<float> x(n);  // [d]
    val(emscripten::typed_memory_view(n, x.data())).call<void>("set", input);
    moe::Result<moe::ExpertProbe> r = moe::expert_probe(layer.value(), expert, x.data(), n);
    if (!r.ok()) return error_value(r.error().message());
    const moe::ExpertProbe& p = r.value();
    val probe = val::object();
    probe.set("expert", p.expert);
    probe.set("pre_activation", float_copy(p.pre_activation));  // [d_ff]
    probe.set("up", float_copy(p.up));                          // [d_ff], swiglu only
    probe.set("hidden", float_copy(p.hidden));                  // [d_ff]
    probe.set("output", float_copy(p.output));                  // [d_model]
    return ok_value("probe", probe);
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(probe) {
  emscripten::function("probeExpert", &probe_expert);
}

}  // namespace moe::wasm

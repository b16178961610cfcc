// The raw embind layer for the layer, the embedding, Mixture-of-Depths and the dense baseline.
// engine/wasm/ is the only folder that includes Emscripten headers; cost_bindings.cpp,
// probe_bindings.cpp, train_bindings.cpp and thread_bindings.cpp hold the other
// EMSCRIPTEN_BINDINGS blocks. Every entry
// point returns a plain JS object `{ok: true, ...}` or `{ok: false, error: "where: reason"}` and
// catches every C++ exception, so a bad call never aborts the module and the next call still works.
// web/src/engine/core.ts is the documented public surface over these names:
//   createLayer(specJson)           -> {ok, layer} | {ok: false, error}
//   Layer.forward(input, tokens)    -> {ok, trace} | {ok: false, error}   (zero-copy views)
//   Layer.delete()                  frees the layer
//   embedText(text)                 -> {ok, tokens, feature_names, features} | {ok: false, error}
//   modRoute(x, B, S, d, w_r, C)    -> {ok, route} | {ok: false, error}    (copies)
//   denseBaseline(specJson, which)  -> {ok, spec} | {ok: false, error}     (spec as JSON text)
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "moe/calc/dense_baseline.hpp"
#include "moe/calc/embed.hpp"
#include "moe/layer/layer.hpp"
#include "moe/routing/mod_route.hpp"
#include "moe/spec/spec.hpp"

namespace moe::wasm {
namespace {

// A trace as a JS object, field by field from moe::visit_fields (trace.hpp, the one field list):
// arrays as zero-copy views, numbers and flags as themselves, losses and stats as nested objects.
template <class T>
val to_js(const std::vector<T>& v) {
  return view(v);
}
val to_js(int v) {
  return val(v);
}
val to_js(float v) {
  return val(v);
}
val to_js(bool v) {
  return val(v);
}
template <class Fields>
val fields_object(const Fields& fields);
val to_js(const moe::TraceLosses& l) {
  return fields_object(l);
}
val to_js(const moe::TraceStats& s) {
  return fields_object(s);
}
template <class Fields>
val fields_object(const Fields& fields) {
  val out = val::object();
  moe::visit_fields(fields,
                    [&](const char* name, const auto& value) { out.set(name, to_js(value)); });
  return out;
}

// A layer owned by JS (free it with .delete()); its trace buffers back the views that
// forward() returns, valid until the next forward() or delete().
class LayerHandle {
 public:
  explicit LayerHandle(moe::Layer layer) : layer_(std::move(layer)) {}

  int d_model() const { return layer_.config().d_model; }
  int num_experts() const { return layer_.config().num_experts; }
  int top_k() const { return layer_.config().top_k; }

  // input: Float32Array [T·d]; tokens: T.
  val forward(val input, val tokens) {
    return guarded([&] {
      if (!tokens.isNumber()) return error_value("input.tokens: must be a number");
      const double t = tokens.as<double>();
      if (!std::isfinite(t) || std::trunc(t) != t) {
        return error_value("input.tokens: must be an integer, got " + std::to_string(t));
      }
      if (!input.instanceof (val::global("Float32Array"))) {
        return error_value("input: must be a Float32Array");
      }
      const size_t n = input["length"].as<size_t>();
      const int64_t T = static_cast<int64_t>(std::fmax(std::fmin(t, 1e15), -1e15));
      // Refuse before copying when the length cannot match (also guards the allocation).
      if (static_cast<int64_t>(n) != T * d_model() || T < 1) {
        moe::Result<const moe::Trace*> shape = layer_.forward(nullptr, n, T);
        return error_value(shape.error().message());
      }
      input_.resize(n);
      val(emscripten::typed_memory_view(n, input_.data())).call<void>("set", input);
      moe::Result<const moe::Trace*> r = layer_.forward(input_.data(), n, T);
      if (!r.ok()) return error_value(r.error().message());
      return ok_value("trace", fields_object(*r.value()));
    });
  }

 private:
  moe::Layer layer_;
  std::vector<float> input_;  // [T, d]  copy of the JS input
};

val create_layer(std::string spec_json) {
  return guarded([&] {
    moe::Result<moe::Layer> r = moe::make_layer(spec_json);
    if (!r.ok()) return error_value(r.error().message());
    return ok_value("layer", val(LayerHandle(std::move(r.value()))));
  });
}

// Mixture-of-Depths routing (mod_route.hpp). input: Float32Array [B·S·d]; router_weight:
// Float32Array [d]. Copies, not views: the result is a temporary.
val mod_route(val input, int sequences, int seq_len, int d_model, val router_weight, int capacity) {
  return guarded([&] {
    const val f32 = val::global("Float32Array");
    if (!input.instanceof (f32)) return error_value("input: must be a Float32Array");
    if (!router_weight.instanceof (f32)) {
      return error_value("router_weight: must be a Float32Array");
    }
    const size_t n = input["length"].as<size_t>(), m = router_weight["length"].as<size_t>();
    if (n > static_cast<size_t>(moe::kMaxFloats) || m > static_cast<size_t>(moe::kMaxDim)) {
      return error_value("input: above the memory cap");
    }
    std::vector<float> x(n), w(m);  // [B, S, d], [d]
    val(emscripten::typed_memory_view(n, x.data())).call<void>("set", input);
    val(emscripten::typed_memory_view(m, w.data())).call<void>("set", router_weight);
    moe::Result<moe::ModRoute> r =
        moe::mod_route(x.data(), n, sequences, seq_len, d_model, w.data(), m, capacity);
    if (!r.ok()) return error_value(r.error().message());
    const moe::ModRoute& mr = r.value();
    val route = val::object();
    route.set("sequences", mr.sequences);
    route.set("seq_len", mr.seq_len);
    route.set("capacity", mr.capacity);
    route.set("scores", copy_of(mr.scores, "Float32Array"));
    route.set("selected", copy_of(mr.selected, "Int32Array"));
    route.set("ran", copy_of(mr.ran, "Uint8Array"));
    route.set("gate", copy_of(mr.gate, "Float32Array"));
    route.set("saved_fraction", mr.saved_fraction);
    return ok_value("route", route);
  });
}

// The dense FFN spec with the same total or active parameters (dense_baseline.hpp).
val dense_baseline(std::string spec_json, std::string which) {
  return guarded([&] {
    moe::Result<std::string> r = moe::dense_baseline_spec(spec_json, which);
    if (!r.ok()) return error_value(r.error().message());
    return ok_value("spec", r.value());
  });
}

val embed_text(std::string text) {
  return guarded([&] {
    moe::Result<moe::Embedding> r = moe::embed_text(text);
    if (!r.ok()) return error_value(r.error().message());
    const moe::Embedding& emb = r.value();
    val tokens = val::array();
    for (const std::string& t : emb.tokens) tokens.call<void>("push", t);
    val names = val::array();
    for (std::string_view n : moe::kEmbedFeatureNames) names.call<void>("push", std::string(n));
    // A copy (not a view): the embedding is a temporary.
    val features = val::global("Float32Array").new_(emb.features.size());
    features.call<void>("set", view(emb.features));
    val out = val::object();
    out.set("ok", true);
    out.set("tokens", tokens);
    out.set("feature_names", names);
    out.set("features", features);
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(moe_engine) {
  emscripten::class_<LayerHandle>("Layer")
      .function("forward", &LayerHandle::forward)
      .property("d_model", &LayerHandle::d_model)
      .property("num_experts", &LayerHandle::num_experts)
      .property("top_k", &LayerHandle::top_k);
  emscripten::function("createLayer", &create_layer);
  emscripten::function("embedText", &embed_text);
  emscripten::function("modRoute", &mod_route);
  emscripten::function("denseBaseline", &dense_baseline);
}

}  // namespace moe::wasm

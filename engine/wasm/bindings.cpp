// The raw embind layer: the only file that includes Emscripten headers. Every entry point
// returns a plain JS object `{ok: true, ...}` or `{ok: false, error: "where: reason"}` and catches
// every C++ exception, so a bad call never aborts the module and the next call still works.
// web/src/engine/core.ts is the documented public surface over these names:
//   createLayer(specJson)           -> {ok, layer} | {ok: false, error}
//   Layer.forward(input, tokens)    -> {ok, trace} | {ok: false, error}   (zero-copy views)
//   Layer.delete()                  frees the layer
//   embedText(text)                 -> {ok, tokens, feature_names, features} | {ok: false, error}
#include <cmath>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "moe/embed.hpp"
#include "moe/layer.hpp"
#include "moe/spec.hpp"

namespace {

using emscripten::val;

val error_value(const std::string& message) {
  val out = val::object();
  out.set("ok", false);
  out.set("error", message);
  return out;
}

val internal_error(const char* what) {
  return error_value(std::string("engine: internal error: ") + what);
}

template <class T>
val view(const std::vector<T>& v) {
  return val(emscripten::typed_memory_view(v.size(), v.data()));
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
    try {
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
      const moe::Trace& tr = *r.value();
      val trace = val::object();
      trace.set("tokens", tr.tokens);
      trace.set("d_model", tr.d_model);
      trace.set("num_experts", tr.num_experts);
      trace.set("top_k", tr.top_k);
      trace.set("router_logits", view(tr.router_logits));
      trace.set("router_probs", view(tr.router_probs));
      trace.set("topk_ids", view(tr.topk_ids));
      trace.set("topk_weights", view(tr.topk_weights));
      trace.set("expert_outputs", view(tr.expert_outputs));
      trace.set("output", view(tr.output));
      trace.set("expert_load", view(tr.expert_load));
      trace.set("aux_loss", tr.aux_loss);
      val out = val::object();
      out.set("ok", true);
      out.set("trace", trace);
      return out;
    } catch (const std::exception& e) {
      return internal_error(e.what());
    } catch (...) {
      return internal_error("unknown exception");
    }
  }

 private:
  moe::Layer layer_;
  std::vector<float> input_;  // [T, d]  copy of the JS input
};

val create_layer(std::string spec_json) {
  try {
    moe::Result<moe::Layer> r = moe::make_layer(spec_json);
    if (!r.ok()) return error_value(r.error().message());
    val out = val::object();
    out.set("ok", true);
    out.set("layer", val(LayerHandle(std::move(r.value()))));
    return out;
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("unknown exception");
  }
}

val embed_text(std::string text) {
  try {
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
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("unknown exception");
  }
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
}

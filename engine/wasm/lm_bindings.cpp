// embind layer for the language model (engine/include/moe/lm, moe/text): the whole of the second
// wasm module, moe_lm (CMakeLists.txt), which the page fetches only when it first loads a model.
// Same rules as bindings.cpp: every entry point returns {ok: true, ...} or {ok: false, error} and
// catches every C++ exception. Text crosses as UTF-8 bytes (Uint8Array) both ways, so the page's
// TextEncoder/TextDecoder own the conversion (lone surrogates, pieces of a character). Arrays are
// copies, never views: a model answers several kinds of call and each would move the others' data.
// web/src/engine/core.ts wraps these names:
//   createLm(configJson, safetensors, tokenizerJson)   -> {ok, lm} ('' = no tokenizer)
//   Lm.info()                         -> {vocab_size, hidden_size, ..., total_params,
//                                        active_params, tokenizer_vocab_size}
//   Lm.encode(utf8)                   -> {ok, ids: Int32Array}
//   Lm.tokenBytes(ids)                -> {ok, bytes: Uint8Array, offsets: Int32Array [n + 1]}
//   Lm.trace(ids)                     -> {ok, routing, nll: Float32Array [T - 1], loss}
//   Lm.generateStart(prompt, options) -> {ok, routing}   (the prompt's routing)
//   Lm.generateNext(n)                -> {ok, ids, routing, generated, position, done}
//   Lm.delete()
// routing: {tokens, layers, experts, top_k, router_logits [L, T, E], router_probs [L, T, E],
//           topk_ids [L, T, k], topk_weights [L, T, k]}
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "lm_handle.hpp"
#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/lm/lm_stream.hpp"
#include "moe/lm/safetensors.hpp"
#include "moe/text/tokenizer.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace moe::wasm {
namespace {

// Text handed to the tokenizer in one call: far above any prompt (a model's context is a few
// hundred tokens), low enough that tokenizing it takes well under a second.
constexpr size_t kMaxTextBytes = 1 << 20;
// Tokens generated per generateNext call: the page asks for a few at a time so it can cancel.
constexpr int kMaxTokensPerCall = 256;

// A JS typed array of `type` copied into a vector of T; an error naming `field` when it is not one
// or is longer than `max_length`.
template <class T>
moe::Result<std::vector<T>> read_array(const val& array, const char* type, size_t max_length,
                                       const std::string& field) {
  if (!array.instanceof (val::global(type)))
    return moe::Error{field, std::string("must be a ") + type};
  const size_t n = array["length"].as<size_t>();
  if (n > max_length) {
    return moe::Error{field, std::to_string(n) + " elements is more than the limit of " +
                                 std::to_string(max_length)};
  }
  std::vector<T> out(n);
  val(emscripten::typed_memory_view(n, out.data())).call<void>("set", array);
  return out;
}

// One field of the generation options: absent → `fallback`; a number otherwise.
bool number_field(const val& options, const char* name, double fallback, double& out,
                  std::string& error) {
  const val v = options[name];
  if (v.isUndefined()) {
    out = fallback;
    return true;
  }
  if (!v.isNumber() || !std::isfinite(v.as<double>())) {
    error = std::string("options.") + name + ": must be a finite number";
    return false;
  }
  out = v.as<double>();
  return true;
}

// {seed, temperature, top_p, greedy, max_new_tokens} → GenerateOptions; ranges are checked by
// moe::lm::check_generate_request, only the JS types here.
bool read_options(const val& options, moe::lm::GenerateOptions& out, std::string& error) {
  if (options.typeOf().as<std::string>() != "object" || options.isNull()) {
    error = "options: must be an object";
    return false;
  }
  double seed = 0, temperature = 1, top_p = 1, max_new = 16;
  if (!number_field(options, "seed", 0, seed, error) ||
      !number_field(options, "temperature", 1, temperature, error) ||
      !number_field(options, "top_p", 1, top_p, error) ||
      !number_field(options, "max_new_tokens", 16, max_new, error)) {
    return false;
  }
  if (std::trunc(seed) != seed || seed < 0 || seed > 9007199254740991.0) {
    error = "options.seed: must be a whole number from 0 to 2^53 - 1";
    return false;
  }
  if (std::trunc(max_new) != max_new || max_new < 0 || max_new > moe::lm::kMaxLmPositions) {
    error = "options.max_new_tokens: must be a whole number from 0 to " +
            std::to_string(moe::lm::kMaxLmPositions);
    return false;
  }
  const val greedy = options["greedy"];
  if (!greedy.isUndefined() && !greedy.isTrue() && !greedy.isFalse()) {
    error = "options.greedy: must be true or false";
    return false;
  }
  out.seed = static_cast<uint64_t>(seed);
  out.temperature = static_cast<float>(temperature);
  out.top_p = static_cast<float>(top_p);
  out.greedy = greedy.isUndefined() || greedy.isTrue();
  out.max_new_tokens = static_cast<int>(max_new);
  return true;
}

// The routing of every row of `trace`, layer by layer, as one object of flat arrays.
val routing_of(const moe::lm::LmTrace& trace, const moe::lm::LmConfig& c) {
  const size_t L = trace.layers.size();
  const size_t N = static_cast<size_t>(trace.batch) * trace.tokens;
  const size_t E = static_cast<size_t>(c.num_local_experts);
  const size_t k = static_cast<size_t>(c.num_experts_per_tok);
  std::vector<float> logits, probs, weights;  // [L, N, E], [L, N, E], [L, N, k]
  std::vector<int32_t> ids;                   // [L, N, k]
  logits.reserve(L * N * E);
  probs.reserve(L * N * E);
  weights.reserve(L * N * k);
  ids.reserve(L * N * k);
  for (const moe::lm::LmLayerActivations& a : trace.layers) {
    logits.insert(logits.end(), a.router_logits.begin(), a.router_logits.end());
    probs.insert(probs.end(), a.router_probs.begin(), a.router_probs.end());
    ids.insert(ids.end(), a.topk_ids.begin(), a.topk_ids.end());
    weights.insert(weights.end(), a.topk_weights.begin(), a.topk_weights.end());
  }
  val out = val::object();
  out.set("tokens", static_cast<int>(N));
  out.set("layers", static_cast<int>(L));
  out.set("experts", static_cast<int>(E));
  out.set("top_k", static_cast<int>(k));
  out.set("router_logits", copy_of(logits, "Float32Array"));
  out.set("router_probs", copy_of(probs, "Float32Array"));
  out.set("topk_ids", copy_of(ids, "Int32Array"));
  out.set("topk_weights", copy_of(weights, "Float32Array"));
  return out;
}

// A loaded model (and, when given, its tokenizer) owned by JS; free it with .delete(). Keeps at
// most one generation stream, replaced by each generateStart.
class LmHandle {
 public:
  LmHandle(moe::lm::LmModel model, std::optional<moe::text::Tokenizer> tokenizer)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}
  // The stream points at model_, so the handle never moves once a stream may exist (embind keeps
  // it on the heap; copying would duplicate the model).
  LmHandle(const LmHandle&) = delete;
  LmHandle& operator=(const LmHandle&) = delete;
  LmHandle(LmHandle&&) = default;

  val info() const {
    const moe::lm::LmConfig& c = model_.config();
    val out = val::object();
    out.set("vocab_size", c.vocab_size);
    out.set("hidden_size", c.hidden_size);
    out.set("intermediate_size", c.intermediate_size);
    out.set("num_hidden_layers", c.num_hidden_layers);
    out.set("num_attention_heads", c.num_attention_heads);
    out.set("num_key_value_heads", c.num_key_value_heads);
    out.set("head_dim", c.head_dim);
    out.set("num_local_experts", c.num_local_experts);
    out.set("num_experts_per_tok", c.num_experts_per_tok);
    out.set("max_position_embeddings", c.max_position_embeddings);
    out.set("total_params", static_cast<double>(c.param_floats()));
    out.set("active_params", static_cast<double>(c.active_param_floats()));
    out.set("tokenizer_vocab_size", tokenizer_ ? tokenizer_->vocab_size() : 0);
    return out;
  }

  // utf8: Uint8Array, the text's UTF-8 bytes.
  val encode(val utf8) {
    return with_tokenizer_input<uint8_t>(
        utf8, "Uint8Array", SIZE_MAX, "text", [&](const auto& bytes) {
          if (bytes.size() > kMaxTextBytes) {
            return error_value("text: " + std::to_string(bytes.size()) +
                               " bytes is more than the limit of " + std::to_string(kMaxTextBytes) +
                               " (1 MiB) for one call");
          }
          const std::vector<int32_t> ids = tokenizer_->encode(
              std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
          return ok_value("ids", copy_of(ids, "Int32Array"));
        });
  }

  // ids: Int32Array. Every token's bytes, back to back; token i is bytes[offsets[i], offsets[i+1]).
  val token_bytes(val ids_array) {
    return with_tokenizer_input<int32_t>(
        ids_array, "Int32Array", kMaxTextBytes, "ids", [&](const auto& ids) {
          std::vector<uint8_t> bytes;
          std::vector<int32_t> offsets{0};  // [n + 1]
          for (size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] < 0 || ids[i] >= tokenizer_->vocab_size()) {
              return error_value(
                  "ids[" + std::to_string(i) + "]: must be a token id between 0 and " +
                  std::to_string(tokenizer_->vocab_size() - 1) + ", got " + std::to_string(ids[i]));
            }
            const std::string& b = tokenizer_->token_bytes(ids[i]);
            bytes.insert(bytes.end(), b.begin(), b.end());
            offsets.push_back(static_cast<int32_t>(bytes.size()));
          }
          val out = val::object();
          out.set("ok", true);
          out.set("bytes", copy_of(bytes, "Uint8Array"));
          out.set("offsets", copy_of(offsets, "Int32Array"));
          return out;
        });
  }

  // ids: Int32Array [T], one sequence at positions 0..T-1. nll[t] = −log p(ids[t+1] | ids[..t]).
  val trace(val ids_array) {
    return guarded([&] {
      moe::Result<std::vector<int32_t>> read = read_ids(ids_array, "ids");
      if (!read.ok()) return error_value(read.error().message());
      const std::vector<int32_t>& ids = read.value();
      const moe::lm::LmConfig& c = model_.config();
      moe::Result<const moe::lm::LmTrace*> r = model_.forward(ids, 1, static_cast<int>(ids.size()));
      if (!r.ok()) return error_value(r.error().message());
      const moe::lm::LmTrace& tr = *r.value();
      std::vector<float> nll(ids.size() - 1);  // [T - 1]
      double sum = 0;
      for (size_t t = 0; t + 1 < ids.size(); ++t) {
        const double v =
            moe::lm::token_nll(tr.logits.data() + t * c.vocab_size, c.vocab_size, ids[t + 1]);
        nll[t] = static_cast<float>(v);
        sum += v;
      }
      val out = val::object();
      out.set("ok", true);
      out.set("routing", routing_of(tr, c));
      out.set("nll", copy_of(nll, "Float32Array"));
      out.set("loss", nll.empty() ? 0.0 : sum / static_cast<double>(nll.size()));
      out.set("aux_loss", tr.aux_loss);
      return out;
    });
  }

  // prompt: Int32Array; options: {seed, temperature, top_p, greedy, max_new_tokens}.
  val generate_start(val prompt_array, val options) {
    return guarded([&] {
      stream_.reset();
      moe::Result<std::vector<int32_t>> prompt = read_ids(prompt_array, "prompt");
      if (!prompt.ok()) return error_value(prompt.error().message());
      std::string error;
      moe::lm::GenerateOptions o;
      if (!read_options(options, o, error)) return error_value(error);
      moe::Result<moe::lm::LmStream> s = moe::lm::LmStream::start(model_, prompt.value(), o);
      if (!s.ok()) return error_value(s.error().message());
      stream_.emplace(std::move(s.value()));
      val out = ok_value("routing", routing_of(model_.trace(), model_.config()));
      out.set("position", stream_->position());
      return out;
    });
  }

  // Up to n more tokens (fewer when the stream ends), each with its routing: rows in order. An
  // error once all max_new_tokens are out.
  val generate_next(val n_value) {
    return guarded([&] {
      if (!stream_) return error_value("generate: no generation started (call generateStart)");
      if (!n_value.isNumber()) return error_value("n: must be a number");
      std::string error;
      const std::optional<int64_t> n = whole_number(n_value, 1, kMaxTokensPerCall, "n", error);
      if (!n) return error_value(error);
      // The rows of each token's one-row trace, stacked as one trace over the new tokens.
      moe::lm::LmTrace stacked;
      stacked.batch = 1;
      stacked.layers.resize(static_cast<size_t>(model_.config().num_hidden_layers));
      std::vector<int32_t> ids;
      // At least one next(): a finished stream answers with its error.
      do {
        moe::Result<int32_t> t = stream_->next();
        if (!t.ok()) return error_value(t.error().message());
        ids.push_back(t.value());
        const moe::lm::LmTrace& step = model_.trace();
        for (size_t l = 0; l < stacked.layers.size(); ++l)
          append_routing(step.layers[l], stacked.layers[l]);
      } while (static_cast<int64_t>(ids.size()) < *n && !stream_->done());
      stacked.tokens = static_cast<int>(ids.size());
      val out = ok_value("ids", copy_of(ids, "Int32Array"));
      out.set("routing", routing_of(stacked, model_.config()));
      out.set("generated", stream_->generated());
      out.set("position", stream_->position());
      out.set("done", stream_->done());
      return out;
    });
  }

 private:
  // A call that needs the tokenizer, guarded: body(values) on its typed-array argument
  // (read_array); {ok: false, error} when the model was loaded without a tokenizer or the argument
  // is refused.
  template <class T, class Body>
  val with_tokenizer_input(const val& array, const char* type, size_t max_length, const char* field,
                           Body&& body) const {
    return guarded([&] {
      if (!tokenizer_) {
        return error_value("tokenizer: this model was loaded without a tokenizer.json");
      }
      const moe::Result<std::vector<T>> read = read_array<T>(array, type, max_length, field);
      if (!read.ok()) return error_value(read.error().message());
      return body(read.value());
    });
  }

  static void append_routing(const moe::lm::LmLayerActivations& from,
                             moe::lm::LmLayerActivations& to) {
    to.router_logits.insert(to.router_logits.end(), from.router_logits.begin(),
                            from.router_logits.end());
    to.router_probs.insert(to.router_probs.end(), from.router_probs.begin(),
                           from.router_probs.end());
    to.topk_ids.insert(to.topk_ids.end(), from.topk_ids.begin(), from.topk_ids.end());
    to.topk_weights.insert(to.topk_weights.end(), from.topk_weights.begin(),
                           from.topk_weights.end());
  }

  // Token ids for the model: an Int32Array of ids in the vocabulary, no longer than the context
  // (the forward checks both again; these messages name the caller's field).
  moe::Result<std::vector<int32_t>> read_ids(const val& array, const std::string& field) const {
    const size_t limit = static_cast<size_t>(moe::lm::kMaxLmPositions);
    moe::Result<std::vector<int32_t>> read = read_array<int32_t>(array, "Int32Array", limit, field);
    if (!read.ok()) return read;
    const std::vector<int32_t>& ids = read.value();
    if (ids.empty()) return moe::Error{field, "must hold at least one token id"};
    const int vocab = model_.config().vocab_size;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        return moe::Error{field + "[" + std::to_string(i) + "]",
                          "must be a token id between 0 and " + std::to_string(vocab - 1) +
                              " (vocab_size - 1), got " + std::to_string(ids[i])};
      }
    }
    const int context = model_.config().max_position_embeddings;
    if (ids.size() > static_cast<size_t>(context)) {
      return moe::Error{field, std::to_string(ids.size()) +
                                   " tokens are longer than the model's context, "
                                   "max_position_embeddings (" +
                                   std::to_string(context) + ")"};
    }
    return read;
  }

  moe::lm::LmModel model_;
  std::optional<moe::text::Tokenizer> tokenizer_;
  std::optional<moe::lm::LmStream> stream_;

  friend moe::Result<LmParts> moe::wasm::lm_parts(const val&, const std::string&);
};

// configJson: config.json text; safetensors: Uint8Array of model.safetensors; tokenizerJson:
// tokenizer.json text, or '' for a model without one (token ids only).
val create_lm(std::string config_json, val safetensors, std::string tokenizer_json) {
  return guarded([&] {
    moe::Result<std::vector<uint8_t>> bytes = read_array<uint8_t>(
        safetensors, "Uint8Array", moe::lm::kMaxSafetensorsBytes, "safetensors");
    if (!bytes.ok()) return error_value(bytes.error().message());
    moe::Result<moe::lm::LmModel> model = moe::lm::LmModel::load(config_json, bytes.value());
    if (!model.ok()) return error_value(model.error().message());
    std::optional<moe::text::Tokenizer> tokenizer;
    if (!tokenizer_json.empty()) {
      moe::Result<moe::text::Tokenizer> t = moe::text::tokenizer_from_json(tokenizer_json);
      if (!t.ok()) return error_value("tokenizer." + t.error().message());
      const int vocab = model.value().config().vocab_size;
      if (t.value().vocab_size() > vocab) {
        return error_value("tokenizer: its " + std::to_string(t.value().vocab_size()) +
                           " tokens do not fit the model's vocab_size (" + std::to_string(vocab) +
                           ")");
      }
      tokenizer.emplace(std::move(t.value()));
    }
    if (tokenizer) moe::lm::use_tokenizer_eos(model.value(), *tokenizer);
    return ok_value("lm", val(LmHandle(std::move(model.value()), std::move(tokenizer))));
  });
}

}  // namespace

moe::Result<LmParts> lm_parts(const val& lm, const std::string& field) {
  const val type = val::module_property("Lm");
  if (lm.typeOf().as<std::string>() != "object" || lm.isNull() || !lm.instanceof (type)) {
    return moe::Error{field, "must be a loaded model (an Lm object from createLm)"};
  }
  if (lm["$$"]["ptr"].isNull() || lm["$$"]["ptr"].isUndefined() ||
      lm["$$"]["ptr"].as<double>() == 0) {
    return moe::Error{field, "this model has been deleted"};
  }
  LmHandle* handle = lm.as<LmHandle*>(emscripten::allow_raw_pointers());
  return LmParts{&handle->model_, handle->tokenizer_ ? &*handle->tokenizer_ : nullptr};
}

EMSCRIPTEN_BINDINGS(moe_engine_lm) {
  emscripten::class_<LmHandle>("Lm")
      .function("info", &LmHandle::info)
      .function("encode", &LmHandle::encode)
      .function("tokenBytes", &LmHandle::token_bytes)
      .function("trace", &LmHandle::trace)
      .function("generateStart", &LmHandle::generate_start)
      .function("generateNext", &LmHandle::generate_next);
  emscripten::function("createLm", &create_lm);
}

}  // namespace moe::wasm

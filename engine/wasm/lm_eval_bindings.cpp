// embind entry point for held-out evaluation of a loaded language model (part of the moe_lm
// module, CMakeLists.txt): the loss `moe lm eval` prints, from the same library function
// (moe::analysis::evaluate_lm), on named texts, optionally with experts switched off or each
// token's first choices masked (DeepSeekMoE's masking studies, moe::analysis::masking_study).
// Same rules as lm_bindings.cpp: {ok: true, ...} or {ok: false, error: "field: reason"}, no C++
// exception reaches JS, and the model is left as it was (its selection masks are cleared).
// web/src/engine/lm-core.ts wraps it:
//   evaluateLm(lm, texts, options) -> {ok, context, domains: [{name, loss, tokens}], loss,
//                                      masking?: {top1_masked, expert_off: [E]}}
//   texts:   [{name: string, text: Uint8Array (UTF-8)}], one "domain" each
//   options: {experts_off?: [[layer, expert]...] | [expert...] (every layer),
//             mask_top_ranks?: m, max_tokens?: N per text, context?: C, masking_study?: bool}
//   generateMaskedLm(lm, prompt: Int32Array, options) -> {ok, ids: Int32Array}
//   options: the masks above and max_new_tokens (greedy: lm_generate, the CLI's generation)
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "lm_handle.hpp"
#include "moe/analysis/lm_evaluation.hpp"
#include "moe/lm/lm_generate.hpp"

namespace moe::wasm {
namespace {

constexpr size_t kMaxTexts = 16;
constexpr size_t kMaxTextBytes = 4u << 20;    // one text: a whole held-out split fits
constexpr size_t kMaxTotalBytes = 16u << 20;  // all texts of one call

// texts → one TokenDomain each, encoded with the model's tokenizer.
bool read_texts(const val& texts, const moe::text::Tokenizer& tokenizer,
                std::vector<moe::analysis::TokenDomain>& out, std::string& error) {
  if (!texts.isArray()) {
    error = "texts: must be an array of {name, text}";
    return false;
  }
  const size_t n = texts["length"].as<size_t>();
  if (n == 0 || n > kMaxTexts) {
    error =
        "texts: must hold 1 to " + std::to_string(kMaxTexts) + " texts, got " + std::to_string(n);
    return false;
  }
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string field = "texts[" + std::to_string(i) + "]";
    const val t = texts[i];
    if (t.typeOf().as<std::string>() != "object" || t.isNull() || !t["name"].isString() ||
            !t["text"].instanceof
        (val::global("Uint8Array"))) {
      error = field + ": must be {name: string, text: Uint8Array}";
      return false;
    }
    std::string name = t["name"].as<std::string>();
    if (name.empty()) {
      error = field + ".name: must not be empty";
      return false;
    }
    const size_t bytes = t["text"]["length"].as<size_t>();
    total += bytes;
    if (bytes > kMaxTextBytes || total > kMaxTotalBytes) {
      error = field + " (" + name + "): " + std::to_string(bytes) +
              " bytes goes over the limit of 4 MiB per text and 16 MiB per call";
      return false;
    }
    std::string text(bytes, '\0');
    val(emscripten::typed_memory_view(bytes, reinterpret_cast<uint8_t*>(text.data())))
        .call<void>("set", t["text"]);
    std::vector<int32_t> ids = tokenizer.encode(text);  // [n_i]
    if (ids.size() < 2) {
      error = field + " (" + name + "): needs at least 2 tokens to predict one, got " +
              std::to_string(ids.size());
      return false;
    }
    out.push_back({std::move(name), std::move(ids)});
  }
  return true;
}

// options.experts_off and options.mask_top_ranks → one selection mask per layer ([L]; an
// inactive mask where nothing is off). Either form of experts_off:
//   [e0, e1, ...]              expert e off in every layer
//   [[l0, e0], [l1, e1], ...]  expert e off in layer l only
bool read_masks(const val& options, int L, int E, std::vector<moe::SelectionMask>& masks,
                std::string& error) {
  masks.assign(static_cast<size_t>(L), moe::SelectionMask{});
  const val m = options["mask_top_ranks"];
  if (!m.isUndefined()) {
    const std::optional<int64_t> ranks = whole_number(m, 0, E, "options.mask_top_ranks", error);
    if (!ranks) return false;
    for (moe::SelectionMask& mask : masks) mask.top_ranks_off = static_cast<int>(*ranks);
  }
  const val off = options["experts_off"];
  if (off.isUndefined()) return true;
  if (!off.isArray()) {
    error = "options.experts_off: must be an array of expert ids or of [layer, expert] pairs";
    return false;
  }
  const size_t n = off["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) {
    const std::string field = "options.experts_off[" + std::to_string(i) + "]";
    const val item = off[i];
    std::optional<int64_t> layer;  // nullopt: every layer
    val expert = item;
    if (item.isArray()) {
      if (item["length"].as<size_t>() != 2) {
        error = field + ": a pair must be [layer, expert]";
        return false;
      }
      layer = whole_number(item[0], 0, L - 1, field + "[0] (layer)", error);
      if (!layer) return false;
      expert = item[1];
    }
    const std::optional<int64_t> e =
        whole_number(expert, 0, E - 1, field + (item.isArray() ? "[1] (expert)" : ""), error);
    if (!e) return false;
    for (int l = 0; l < L; ++l) {
      if (layer && *layer != l) continue;
      std::vector<uint8_t>& o = masks[static_cast<size_t>(l)].experts_off;
      o.resize(static_cast<size_t>(E), 0);
      o[static_cast<size_t>(*e)] = 1;
    }
  }
  return true;
}

val losses_value(const moe::analysis::LmEvaluation& ev) {
  val domains = val::array();
  for (const moe::analysis::DomainLoss& d : ev.domains) {
    val row = val::object();
    row.set("name", d.name);
    row.set("loss", d.loss);
    row.set("tokens", static_cast<double>(d.tokens));
    domains.call<void>("push", row);
  }
  val out = val::object();
  out.set("domains", domains);
  out.set("loss", ev.loss);
  return out;
}

// Sets each layer's mask ([L]); on an error no layer keeps one.
std::optional<std::string> set_masks(moe::lm::LmModel& model,
                                     const std::vector<moe::SelectionMask>& masks) {
  for (size_t l = 0; l < masks.size(); ++l) {
    moe::Result<bool> set = model.set_selection_mask(masks[l], static_cast<int>(l));
    if (!set.ok()) {
      (void)model.set_selection_mask(moe::SelectionMask{});
      return "options: " + set.error().message();
    }
  }
  return std::nullopt;
}

// prompt: Int32Array of ids; options: {experts_off?, mask_top_ranks?, max_new_tokens?}. Greedy.
val generate_masked_lm(val lm, val prompt, val options) {
  return guarded([&] {
    const moe::Result<LmParts> parts = lm_parts(lm, "lm");
    if (!parts.ok()) return error_value(parts.error().message());
    moe::lm::LmModel& model = *parts.value().model;
    if (options.typeOf().as<std::string>() != "object" || options.isNull()) {
      return error_value("options: must be an object");
    }
    const moe::lm::LmConfig& c = model.config();
    if (!prompt.instanceof (val::global("Int32Array"))) {
      return error_value("prompt: must be an Int32Array");
    }
    const size_t n = prompt["length"].as<size_t>();
    if (n > static_cast<size_t>(c.max_position_embeddings)) {
      return error_value("prompt: " + std::to_string(n) +
                         " tokens are longer than the model's context, max_position_embeddings (" +
                         std::to_string(c.max_position_embeddings) + ")");
    }
    std::vector<int32_t> ids(n);  // [P]
    val(emscripten::typed_memory_view(n, ids.data())).call<void>("set", prompt);
    std::string error;
    moe::lm::GenerateOptions go;  // greedy
    go.max_new_tokens = 16;
    if (const val v = options["max_new_tokens"]; !v.isUndefined()) {
      const std::optional<int64_t> m =
          whole_number(v, 0, c.max_position_embeddings, "options.max_new_tokens", error);
      if (!m) return error_value(error);
      go.max_new_tokens = static_cast<int>(*m);
    }
    std::vector<moe::SelectionMask> masks;  // [L]
    if (!read_masks(options, c.num_hidden_layers, c.num_local_experts, masks, error)) {
      return error_value(error);
    }
    if (std::optional<std::string> failed = set_masks(model, masks)) return error_value(*failed);
    moe::Result<std::vector<int32_t>> out = moe::lm::lm_generate(model, ids, go);
    (void)model.set_selection_mask(moe::SelectionMask{});
    if (!out.ok()) return error_value(out.error().message());
    return ok_value("ids", copy_of(out.value(), "Int32Array"));
  });
}

val evaluate_lm(val lm, val texts, val options) {
  return guarded([&] {
    const moe::Result<LmParts> parts = lm_parts(lm, "lm");
    if (!parts.ok()) return error_value(parts.error().message());
    moe::lm::LmModel& model = *parts.value().model;
    if (parts.value().tokenizer == nullptr) {
      return error_value("tokenizer: this model was loaded without a tokenizer.json");
    }
    if (options.typeOf().as<std::string>() != "object" || options.isNull()) {
      return error_value("options: must be an object");
    }
    const moe::lm::LmConfig& c = model.config();
    std::string error;
    moe::analysis::EvalOptions eo;
    eo.record_routing = false;
    if (const val v = options["max_tokens"]; !v.isUndefined()) {
      const std::optional<int64_t> n =
          whole_number(v, 0, int64_t{1} << 30, "options.max_tokens", error);
      if (!n) return error_value(error);
      eo.max_tokens = *n;
    }
    if (const val v = options["context"]; !v.isUndefined()) {
      const std::optional<int64_t> n =
          whole_number(v, 1, c.max_position_embeddings, "options.context", error);
      if (!n) return error_value(error);
      eo.context = static_cast<int>(*n);
    }
    const val study = options["masking_study"];
    if (!study.isUndefined() && !study.isTrue() && !study.isFalse()) {
      return error_value("options.masking_study: must be true or false");
    }
    std::vector<moe::SelectionMask> masks;  // [L]
    if (!read_masks(options, c.num_hidden_layers, c.num_local_experts, masks, error)) {
      return error_value(error);
    }
    const bool masked =
        !options["experts_off"].isUndefined() || !options["mask_top_ranks"].isUndefined();
    if (study.isTrue() && masked) {
      return error_value(
          "options.masking_study: cannot be combined with experts_off or mask_top_ranks (the "
          "study sets its own masks)");
    }
    std::vector<moe::analysis::TokenDomain> domains;
    if (!read_texts(texts, *parts.value().tokenizer, domains, error)) return error_value(error);

    // The model is unmasked again on every path.
    if (std::optional<std::string> failed = set_masks(model, masks)) return error_value(*failed);
    moe::Result<moe::analysis::LmEvaluation> ev = moe::analysis::evaluate_lm(model, domains, eo);
    (void)model.set_selection_mask(moe::SelectionMask{});
    if (!ev.ok()) return error_value(ev.error().message());

    val out = losses_value(ev.value());
    out.set("ok", true);
    out.set("context", eo.context == 0 ? c.max_position_embeddings : eo.context);
    if (study.isTrue()) {
      moe::Result<moe::analysis::MaskingStudy> s = moe::analysis::masking_study(model, domains, eo);
      if (!s.ok()) return error_value("options.masking_study: " + s.error().message());
      val off = val::array();
      for (const moe::analysis::LmEvaluation& e : s.value().expert_off) {
        off.call<void>("push", losses_value(e));
      }
      val masking = val::object();
      masking.set("top1_masked", losses_value(s.value().top1_masked));
      masking.set("expert_off", off);
      out.set("masking", masking);
    }
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(moe_engine_lm_eval) {
  emscripten::function("evaluateLm", &evaluate_lm);
  emscripten::function("generateMaskedLm", &generate_masked_lm);
}

}  // namespace moe::wasm

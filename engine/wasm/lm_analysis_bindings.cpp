// embind entry point of the routing analyses (moe/analysis/analysis_report.hpp), linked into the
// moe_lm module beside lm_bindings.cpp. Same rules: {ok: true, ...} or {ok: false, error}, every
// C++ exception caught, text as UTF-8 bytes.
//   lmAnalyze(lm, texts, options) -> {ok, report: string}
//     lm       an Lm object from createLm (with its tokenizer)
//     texts    [{name: string, text: Uint8Array}], one domain each, names distinct
//     options  {max_tokens?: 4096, context?: 0, top_vocab?: 20}, as `moe lm analyze`'s flags
//     report   the JSON text analyze_lm builds: the routing part of what `moe lm analyze` prints
//              (the CLI adds the masking studies and router saturation)
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "lm_handle.hpp"
#include "moe/analysis/analysis_report.hpp"

namespace moe::wasm {
namespace {

// All texts of one call together: the whole held-out corpus is well under 1 MB.
constexpr size_t kMaxTotalBytes = 8u << 20;
constexpr size_t kMaxTexts = 16;
constexpr size_t kMaxNameLength = 64;

// One whole-number option in [lo, hi]; absent → fallback.
bool count_option(const val& options, const char* name, int64_t lo, int64_t hi, double fallback,
                  double& out, std::string& error) {
  const val v = options[name];
  if (v.isUndefined()) {
    out = fallback;
    return true;
  }
  const std::optional<int64_t> x = whole_number(v, lo, hi, std::string("options.") + name, error);
  if (x) out = static_cast<double>(*x);
  return x.has_value();
}

// True when `bytes` holds something to route besides control characters and white space.
bool has_visible_byte(std::string_view bytes) {
  for (unsigned char b : bytes) {
    if ((b > 0x20 && b < 0x7f) || b >= 0x80) return true;
  }
  return false;
}

val analyze(val lm, val texts, val options) {
  return guarded([&] {
    moe::Result<LmParts> parts = lm_parts(lm, "model");
    if (!parts.ok()) return error_value(parts.error().message());
    const moe::text::Tokenizer* tokenizer = parts.value().tokenizer;
    if (!tokenizer) return error_value("tokenizer: this model was loaded without a tokenizer.json");

    if (!val::global("Array").call<bool>("isArray", texts)) {
      return error_value("texts: must be an array of {name, text}");
    }
    const size_t n = texts["length"].as<size_t>();
    if (n == 0) return error_value("texts: must hold at least one named text");
    if (n > kMaxTexts) {
      return error_value("texts: " + std::to_string(n) + " texts is more than the limit of " +
                         std::to_string(kMaxTexts));
    }
    std::vector<moe::analysis::TokenDomain> domains;
    std::set<std::string> names;
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      const std::string field = "texts[" + std::to_string(i) + "]";
      const val entry = texts[i];
      if (entry.typeOf().as<std::string>() != "object" || entry.isNull()) {
        return error_value(field + ": must be an object {name, text}");
      }
      if (!entry["name"].isString()) return error_value(field + ".name: must be a string");
      const std::string name = entry["name"].as<std::string>();
      if (name.empty() || name.size() > kMaxNameLength) {
        return error_value(field + ".name: must be 1 to " + std::to_string(kMaxNameLength) +
                           " characters long");
      }
      if (!names.insert(name).second) {
        return error_value(field + ".name: \"" + name + "\" is used twice; names must differ");
      }
      if (!entry["text"].instanceof (val::global("Uint8Array"))) {
        return error_value(field + ".text: must be a Uint8Array (the text's UTF-8 bytes)");
      }
      const std::vector<uint8_t> bytes =
          emscripten::convertJSArrayToNumberVector<uint8_t>(entry["text"]);
      total += bytes.size();
      if (total > kMaxTotalBytes) {
        return error_value(field + ".text: the texts add up to more than the limit of " +
                           std::to_string(kMaxTotalBytes) + " bytes (8 MiB) for one call");
      }
      const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      if (!has_visible_byte(text)) {
        return error_value(field + " (" + name +
                           "): holds only white space and control characters; give it some "
                           "words to route");
      }
      std::vector<int32_t> ids = tokenizer->encode(text);
      if (ids.size() < 2) {
        return error_value(field + " (" + name + "): is " + std::to_string(ids.size()) +
                           " token long; the analysis needs at least 2");
      }
      domains.push_back({name, std::move(ids)});
    }

    if (options.typeOf().as<std::string>() != "object" || options.isNull()) {
      return error_value("options: must be an object");
    }
    moe::lm::LmModel& model = *parts.value().model;
    double max_tokens = 0, context = 0, top_vocab = 0;
    std::string error;
    if (!count_option(options, "max_tokens", 0, 1 << 30, 4096, max_tokens, error) ||
        !count_option(options, "context", 0, model.config().max_position_embeddings, 0, context,
                      error) ||
        !count_option(options, "top_vocab", 1, 1000, 20, top_vocab, error)) {
      return error_value(error);
    }
    moe::analysis::AnalysisOptions ao;
    ao.max_tokens = static_cast<int64_t>(max_tokens);
    ao.context = static_cast<int>(context);
    ao.top_vocab = static_cast<int>(top_vocab);
    moe::Result<moe::analysis::LmAnalysis> analysed =
        moe::analysis::analyze_lm(model, *tokenizer, domains, ao);
    if (!analysed.ok()) return error_value(analysed.error().message());
    // Token pieces may hold part of a UTF-8 character: those bytes become U+FFFD, as in the CLI.
    return ok_value("report", analysed.value().report.dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(moe_lm_analysis) {
  emscripten::function("lmAnalyze", &analyze);
}

}  // namespace moe::wasm

// embind layer for training a small language model in the page (moe::lm::LmTrainer), part of the
// moe_lm module. Same rules as lm_bindings.cpp: every entry point returns {ok: true, ...} or
// {ok: false, error: "field: reason"} and catches every C++ exception; text crosses as UTF-8
// bytes; arrays are copies. web/src/engine/lm-train-core.ts wraps these names:
//   createLmTrainer(recipeJson, tokenizerJson, train, heldout) -> {ok, trainer}
//       recipeJson: TRAIN.json's training fields (lm_train_recipe.hpp) plus train_bytes (per
//       text, 0 = all) and eval_windows; train, heldout: arrays of Uint8Array, one per domain.
//       The training tokens are each train text cut to train_bytes, tokenized, back to back:
//       what `moe lm train` reads from <corpus>/<domain>/train.txt.
//   LmTrainer.info()             -> {steps, step, layers, experts, top_k, seq_len, vocab_size,
//                                    max_position_embeddings, params, active_params,
//                                    train_tokens, heldout_tokens: Int32Array [D]}
//   LmTrainer.train(n)           -> {ok, step, done, loss [n], aux [n], lr [n],
//                                    expert_load: Int32Array [n, L, E], load_cv [n, L],
//                                    max_share [n, L], dead_experts: Int32Array [n, L]}
//                                   (n clipped to the steps left; see summarise below)
//   LmTrainer.heldout()          -> {ok, loss: Float64Array [D]}  mean next-token loss per domain
//   LmTrainer.recordRouting()    -> {ok, step}  keeps the top-k of the routing text at this step
//   LmTrainer.saturation()       -> {ok, steps: Int32Array [S], per_layer: Float64Array [S, L],
//                                    mean: Float64Array [S]}  each kept step against now
//   LmTrainer.generate(utf8, options) -> {ok, prompt_tokens, ids: Int32Array, bytes: Uint8Array}
//   LmTrainer.delete()
// The routing text is the first held-out window of each domain, as in `moe lm train`'s log.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <nlohmann/json.hpp>

#include "js_values.hpp"
#include "moe/analysis/coactivation.hpp"
#include "moe/analysis/routing_record.hpp"
#include "moe/lm/lm_batches.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_train_recipe.hpp"
#include "moe/lm/lm_trainer.hpp"
#include "moe/lm/train_json_fields.hpp"
#include "moe/routing/math.hpp"
#include "moe/text/tokenizer.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace moe::wasm {
namespace {

// Bytes of text per domain the trainer takes (the page's corpus files are 256 KiB each).
constexpr size_t kMaxTextBytes = 1 << 20;
constexpr int kMaxDomains = 16;
constexpr int kMaxStepsPerCall = 1000;
// The recipe keys read here rather than by read_lm_train_recipe.
constexpr std::string_view kPageFields[] = {"train_bytes", "eval_windows"};

// A Uint8Array of at most kMaxTextBytes → a byte string; false (and `error`) otherwise.
bool read_bytes(const val& t, const std::string& where, std::string& out, std::string& error) {
  if (!t.instanceof (val::global("Uint8Array"))) {
    error = where + ": must be a Uint8Array (the text's UTF-8 bytes)";
    return false;
  }
  const size_t bytes = t["length"].as<size_t>();
  if (bytes > kMaxTextBytes) {
    error = where + ": " + std::to_string(bytes) + " bytes is more than the limit of " +
            std::to_string(kMaxTextBytes) + " (1 MiB)";
    return false;
  }
  out.assign(bytes, '\0');
  val(emscripten::typed_memory_view(bytes, reinterpret_cast<uint8_t*>(out.data())))
      .call<void>("set", t);
  return true;
}

// texts: a JS array of Uint8Array, one per domain → byte strings; false (and `error`) otherwise.
bool read_texts(const val& texts, const char* field, std::vector<std::string>& out,
                std::string& error) {
  if (!val::global("Array").call<bool>("isArray", texts)) {
    error = std::string(field) + ": must be an array of Uint8Array (one text per domain)";
    return false;
  }
  const int n = texts["length"].as<int>();
  if (n < 1 || n > kMaxDomains) {
    error = std::string(field) + ": must hold 1 to " + std::to_string(kMaxDomains) +
            " texts, got " + std::to_string(n);
    return false;
  }
  out.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (!read_bytes(texts[i], where, out[static_cast<size_t>(i)], error)) return false;
  }
  return true;
}

// {seed, temperature, top_p, greedy, max_new_tokens} → GenerateOptions (JS types only; ranges
// are check_generate_request's).
bool read_options(const val& options, moe::lm::GenerateOptions& out, std::string& error) {
  if (options.typeOf().as<std::string>() != "object" || options.isNull()) {
    error = "options: must be an object";
    return false;
  }
  const auto whole = [&](const char* name, int64_t lo, int64_t hi, double& v) {
    const val x = options[name];
    if (x.isUndefined()) return true;
    const std::optional<int64_t> n = whole_number(x, lo, hi, std::string("options.") + name, error);
    if (n) v = static_cast<double>(*n);
    return n.has_value();
  };
  const auto finite = [&](const char* name, double& v) {
    const val x = options[name];
    if (x.isUndefined()) return true;
    if (!x.isNumber() || !std::isfinite(x.as<double>())) {
      error = std::string("options.") + name + ": must be a finite number";
      return false;
    }
    v = x.as<double>();
    return true;
  };
  double seed = 0, max_new = 16, temperature = 1, top_p = 1;
  if (!whole("seed", 0, 9007199254740991, seed) ||
      !whole("max_new_tokens", 0, moe::lm::kMaxLmPositions, max_new) ||
      !finite("temperature", temperature) || !finite("top_p", top_p)) {
    return false;
  }
  const val greedy = options["greedy"];
  if (!greedy.isUndefined() && !greedy.isTrue() && !greedy.isFalse()) {
    error = "options.greedy: must be true or false";
    return false;
  }
  out.seed = static_cast<uint64_t>(seed);
  out.max_new_tokens = static_cast<int>(max_new);
  out.temperature = static_cast<float>(temperature);
  out.top_p = static_cast<float>(top_p);
  out.greedy = greedy.isUndefined() || greedy.isTrue();
  return true;
}

// How uneven one layer's load is over a step's (token, slot) pairs:
//   share_e = load_e / Σ load     cv = std(load) / mean(load) (population)
//   max_share = max_e share_e     dead = #{e : share_e < kDeadShare}
constexpr double kDeadShare = 0.01;
struct LoadSummary {
  double cv = 0, max_share = 0;
  int32_t dead = 0;
};
LoadSummary summarise(const std::vector<int32_t>& load) {
  const std::vector<float> x(load.begin(), load.end());
  double total = 0, top = 0;
  for (float v : x) total += v, top = std::max<double>(top, v);
  LoadSummary s;
  s.cv = moe::routing::coefficient_of_variation(x);
  s.max_share = total > 0 ? top / total : 0;
  for (float v : x) s.dead += total > 0 && v / total < kDeadShare ? 1 : 0;
  return s;
}

// A trainer, its tokenizer and held-out text, owned by JS; free it with .delete().
class LmTrainerHandle {
 public:
  LmTrainerHandle(moe::lm::LmTrainer trainer, moe::text::Tokenizer tokenizer,
                  std::vector<std::vector<int32_t>> heldout, int eval_windows, size_t train_tokens)
      : trainer_(std::move(trainer)),
        tokenizer_(std::move(tokenizer)),
        heldout_(std::move(heldout)),
        eval_windows_(eval_windows),
        train_tokens_(train_tokens) {
    const int T = trainer_.config().seq_len;
    for (const std::vector<int32_t>& domain : heldout_) {
      const std::vector<int32_t> w = moe::lm::lm_heldout_windows(domain, T, 1);
      routing_text_.insert(routing_text_.end(), w.begin(), w.end());
      routing_rows_ += w.empty() ? 0 : 1;
    }
  }

  val info() const {
    const moe::lm::LmTrainConfig& t = trainer_.config();
    const moe::lm::LmConfig& c = t.shape.config;
    const double params = static_cast<double>(c.param_floats());
    const double expert = 3.0 * c.intermediate_size * c.hidden_size;
    std::vector<int32_t> heldout_tokens;
    for (const auto& h : heldout_) heldout_tokens.push_back(static_cast<int32_t>(h.size()));
    val out = val::object();
    out.set("steps", t.lr.total);
    out.set("step", trainer_.step());
    out.set("layers", c.num_hidden_layers);
    out.set("experts", c.num_local_experts);
    out.set("top_k", c.num_experts_per_tok);
    out.set("seq_len", t.seq_len);
    out.set("batch", t.batch);
    out.set("vocab_size", c.vocab_size);
    out.set("max_position_embeddings", c.max_position_embeddings);
    out.set("params", params);
    out.set("active_params",
            params - c.num_hidden_layers * (c.num_local_experts - c.num_experts_per_tok) * expert);
    out.set("train_tokens", static_cast<double>(train_tokens_));
    out.set("heldout_tokens", copy_of(heldout_tokens, "Int32Array"));
    out.set("routing_tokens", routing_rows_ * t.seq_len);
    return out;
  }

  val train(val n_value) {
    return guarded([&] {
      const int left = trainer_.config().lr.total - trainer_.step();
      if (left <= 0)
        return error_value("train: all " + std::to_string(trainer_.step()) + " steps are done");
      std::string error;
      const std::optional<int64_t> asked = whole_number(n_value, 1, kMaxStepsPerCall, "n", error);
      if (!asked) return error_value(error);
      const int n = std::min(left, static_cast<int>(*asked));
      const std::vector<moe::lm::LmStepStats> stats = trainer_.train_steps(n);
      std::vector<double> loss, aux;
      std::vector<float> lr;
      std::vector<int32_t> load, dead;         // [n, L, E], [n, L]
      std::vector<double> load_cv, max_share;  // [n, L]
      for (const moe::lm::LmStepStats& s : stats) {
        loss.push_back(s.loss);
        aux.push_back(s.aux);
        lr.push_back(s.lr);
        for (const auto& layer : s.expert_load) {
          load.insert(load.end(), layer.begin(), layer.end());
          const LoadSummary sum = summarise(layer);
          load_cv.push_back(sum.cv);
          max_share.push_back(sum.max_share);
          dead.push_back(sum.dead);
        }
      }
      val out = ok_value("step", trainer_.step());
      out.set("done", trainer_.step() >= trainer_.config().lr.total);
      out.set("loss", copy_of(loss, "Float64Array"));
      out.set("aux", copy_of(aux, "Float64Array"));
      out.set("lr", copy_of(lr, "Float32Array"));
      out.set("expert_load", copy_of(load, "Int32Array"));
      out.set("load_cv", copy_of(load_cv, "Float64Array"));
      out.set("max_share", copy_of(max_share, "Float64Array"));
      out.set("dead_experts", copy_of(dead, "Int32Array"));
      return out;
    });
  }

  // The held-out loss per domain on the first eval_windows windows (as `moe lm train` reports).
  val heldout() {
    return guarded([&] {
      const int T = trainer_.config().seq_len;
      std::vector<double> loss;
      for (const std::vector<int32_t>& domain : heldout_) {
        loss.push_back(trainer_.evaluate(moe::lm::lm_heldout_windows(domain, T, eval_windows_), T));
      }
      return ok_value("loss", copy_of(loss, "Float64Array"));
    });
  }

  val record_routing() {
    return guarded([&] {
      if (routing_rows_ == 0) return error_value("heldout: no text is one window long");
      recorded_.push_back({trainer_.step(), route_now()});
      return ok_value("step", trainer_.step());
    });
  }

  // OLMoE's router saturation of every recorded step against the model as it is now.
  val saturation() {
    return guarded([&] {
      const moe::analysis::RoutingRecord now = route_now();
      std::vector<int32_t> steps;
      std::vector<double> per_layer, mean;  // [S, L], [S]
      for (const auto& [step, record] : recorded_) {
        moe::Result<moe::analysis::RouterSaturation> s =
            moe::analysis::router_saturation(record, now);
        if (!s.ok()) return error_value(s.error().message());
        steps.push_back(step);
        per_layer.insert(per_layer.end(), s.value().per_layer.begin(), s.value().per_layer.end());
        mean.push_back(s.value().mean);
      }
      val out = ok_value("steps", copy_of(steps, "Int32Array"));
      out.set("per_layer", copy_of(per_layer, "Float64Array"));
      out.set("mean", copy_of(mean, "Float64Array"));
      return out;
    });
  }

  // prompt: Uint8Array (UTF-8); the model's continuation as token ids and as bytes.
  val generate(val prompt, val options) {
    return guarded([&] {
      std::string text, error;
      if (!read_bytes(prompt, "prompt", text, error)) return error_value(error);
      moe::lm::GenerateOptions o;
      if (!read_options(options, o, error)) return error_value(error);
      const std::vector<int32_t> ids = tokenizer_.encode(text);
      moe::Result<std::vector<int32_t>> out = trainer_.generate(ids, o);
      if (!out.ok()) return error_value(out.error().message());
      std::string bytes;
      for (int32_t id : out.value()) bytes += tokenizer_.token_bytes(id);
      val result = ok_value("prompt_tokens", static_cast<int>(ids.size()));
      result.set("ids", copy_of(out.value(), "Int32Array"));
      result.set("bytes", copy_of(std::vector<uint8_t>(bytes.begin(), bytes.end()), "Uint8Array"));
      return result;
    });
  }

 private:
  moe::analysis::RoutingRecord route_now() {
    const moe::lm::LmConfig& c = trainer_.config().shape.config;
    const int T = trainer_.config().seq_len;
    moe::analysis::RoutingRecord r;
    r.num_experts = c.num_local_experts;
    r.top_k = c.num_experts_per_tok;
    r.topk_ids = trainer_.route(routing_text_, routing_rows_, T);
    for (int b = 0; b < routing_rows_; ++b) {  // the inputs of each window: its first T ids
      const auto row = routing_text_.begin() + static_cast<std::ptrdiff_t>(b) * (T + 1);
      r.token_ids.insert(r.token_ids.end(), row, row + T);
    }
    return r;
  }

  moe::lm::LmTrainer trainer_;
  moe::text::Tokenizer tokenizer_;
  std::vector<std::vector<int32_t>> heldout_;  // [D][tokens]
  int eval_windows_;
  size_t train_tokens_;
  std::vector<int32_t> routing_text_;  // [rows, T+1]
  int routing_rows_ = 0;
  std::vector<std::pair<int, moe::analysis::RoutingRecord>> recorded_;
};

val create_lm_trainer(std::string recipe_json, std::string tokenizer_json, val train, val heldout) {
  return guarded([&] {
    const nlohmann::json doc = nlohmann::json::parse(recipe_json, nullptr, false);
    if (doc.is_discarded()) return error_value("config: not valid JSON");
    moe::Result<moe::lm::LmTrainRecipe> recipe = moe::lm::read_lm_train_recipe(doc, kPageFields);
    if (!recipe.ok()) return error_value(recipe.error().message());
    moe::lm::TrainJsonFields page(doc);
    int64_t train_bytes = 0, eval_windows = 8;
    if (auto e = page.integer("train_bytes", 0, kMaxTextBytes, train_bytes)) {
      return error_value(e->message());
    }
    if (auto e = page.integer("eval_windows", 1, 4096, eval_windows)) {
      return error_value(e->message());
    }
    moe::Result<moe::text::Tokenizer> tok = moe::text::tokenizer_from_json(tokenizer_json);
    if (!tok.ok()) return error_value("tokenizer." + tok.error().message());
    moe::Result<moe::lm::LmTrainConfig> config =
        moe::lm::lm_train_config_for(recipe.value(), tok.value());
    if (!config.ok()) return error_value(config.error().message());

    std::vector<std::string> train_texts, heldout_texts;
    std::string error;
    if (!read_texts(train, "train", train_texts, error) ||
        !read_texts(heldout, "heldout", heldout_texts, error)) {
      return error_value(error);
    }
    std::vector<int32_t> tokens;
    for (std::string& t : train_texts) {
      if (train_bytes > 0 && t.size() > static_cast<size_t>(train_bytes)) t.resize(train_bytes);
      const std::vector<int32_t> ids = tok.value().encode(t);
      tokens.insert(tokens.end(), ids.begin(), ids.end());
    }
    const int T = config.value().seq_len;
    std::vector<std::vector<int32_t>> held;
    for (size_t i = 0; i < heldout_texts.size(); ++i) {
      held.push_back(tok.value().encode(heldout_texts[i]));
      if (held.back().size() <= static_cast<size_t>(T)) {
        return error_value("heldout[" + std::to_string(i) + "]: needs more than seq_len (" +
                           std::to_string(T) + ") tokens for one window, got " +
                           std::to_string(held.back().size()));
      }
    }
    const size_t n = tokens.size();
    moe::Result<moe::lm::LmTrainer> trainer =
        moe::lm::LmTrainer::create(config.value(), std::move(tokens));
    if (!trainer.ok()) return error_value(trainer.error().message());
    return ok_value("trainer",
                    val(LmTrainerHandle(std::move(trainer.value()), std::move(tok.value()),
                                        std::move(held), static_cast<int>(eval_windows), n)));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(moe_engine_lm_train) {
  emscripten::class_<LmTrainerHandle>("LmTrainer")
      .function("info", &LmTrainerHandle::info)
      .function("train", &LmTrainerHandle::train)
      .function("heldout", &LmTrainerHandle::heldout)
      .function("recordRouting", &LmTrainerHandle::record_routing)
      .function("saturation", &LmTrainerHandle::saturation)
      .function("generate", &LmTrainerHandle::generate);
  emscripten::function("createLmTrainer", &create_lm_trainer);
}

}  // namespace moe::wasm

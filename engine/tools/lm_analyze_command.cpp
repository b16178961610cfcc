#include "lm_analyze_command.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "forward_command.hpp"
#include "lm_model_dir.hpp"
#include "moe/analysis/analysis_report.hpp"
#include "moe/analysis/coactivation.hpp"
#include "moe/analysis/lm_evaluation.hpp"

namespace moe::cli {
namespace {

using analysis::losses_json;
using nlohmann::json;
namespace fs = std::filesystem;

const char* const kEvalHelp =
    "usage: moe lm eval MODEL_DIR [--corpus DIR | --text FILE] [--max-tokens N] [--context C]\n"
    "\n"
    "Held-out loss per domain: each DIR/<domain>/heldout.txt (default DIR: build/lm-corpus), or\n"
    "FILE as one domain \"text\", is encoded with MODEL_DIR/tokenizer.json and cut into the\n"
    "training log's held-out windows: C + 1 tokens at 0, C, 2C, ... (C: default\n"
    "max_position_embeddings; a tail shorter than a window is left out). --max-tokens caps the\n"
    "predicted tokens per domain, rounded up to whole windows (default: all; the recipe's\n"
    "eval_windows W is --max-tokens W·C). Prints\n"
    "{\"context\", \"domains\": [{\"name\", \"loss\", \"tokens\"}], \"loss\"}\n"
    "(mean next-token NLL in nats; \"loss\" over all domains' tokens).\n"
    "Bad input: exit status 2 and one line `error: <where>: <reason>` on stderr.\n";

const char* const kAnalyzeHelp =
    "usage: moe lm analyze MODEL_DIR (--corpus DIR | --text FILE) [--max-tokens N] [--context C]\n"
    "                      [--intermediate DIR]... [--training-log LOG] [--top-vocab N]\n"
    "\n"
    "Routes the text as `moe lm eval` does (--max-tokens default 4096 per domain) and prints one\n"
    "JSON object with the routing analyses of the MoE papers, per layer (formulas in\n"
    "engine/include/moe/analysis/):\n"
    "  heldout_loss            as moe lm eval\n"
    "  consecutive_agreement   Mixtral Table 5: first choice and first-or-second, with the\n"
    "                          uniform baselines, the chance level from the layer's own loads\n"
    "                          and the excess over it (consecutive_agreement_by_domain: per\n"
    "                          domain, each against its own loads)\n"
    "  expert_share            OLMoE: [layer][domain][expert] share of tokens with e in top-k\n"
    "  vocabulary              OLMoE vocabulary specialisation: mean, and the N most frequent ids\n"
    "                          (--top-vocab, default 20) with their expert and share\n"
    "  coactivation            OLMoE: counts[i][j] and given[i][j] = counts[i][j] / counts[i][i]\n"
    "  nmi                     first-choice expert vs domain and vs surface class\n"
    "  masking                 DeepSeekMoE: held-out loss with each token's top-1 masked, and\n"
    "                          with each expert switched off in every layer\n"
    "  router_saturation       OLMoE, for each --intermediate model folder (same shape): share\n"
    "                          of its top-k that the final model also picks; with\n"
    "                          --training-log (moe lm train's log), for each step it recorded\n"
    "                          (routing_steps): the same on the log's routing text, against\n"
    "                          the routing it recorded after the last step\n"
    "Bad input: exit status 2 and one line `error: <where>: <reason>` on stderr.\n";

constexpr uint64_t kMaxTextBytes = 64u << 20;
constexpr int64_t kDefaultAnalyzeTokens = 4096;

struct Options {
  std::string model_dir, corpus, text;
  std::vector<std::string> intermediate;
  std::string training_log;
  int64_t max_tokens = -1;  // -1: the command's default
  int context = 0;
  int top_vocab = 20;
};

// A whole number in [lo, hi] for `flag`.
Result<int64_t> parse_count(const std::string& flag, const std::string& word, int64_t lo,
                            int64_t hi) {
  const std::optional<long long> v = whole_number_word(word);
  if (!v || *v < lo || *v > hi || word[0] == '+' || word[0] == ' ') {
    return Error{flag, "expected a whole number between " + std::to_string(lo) + " and " +
                           std::to_string(hi) + ", got \"" + word + "\""};
  }
  return static_cast<int64_t>(*v);
}

// Flags shared by eval and analyze; `analyze` adds --intermediate and --top-vocab.
Result<Options> parse_options(const std::vector<std::string>& args, const std::string& command,
                              bool analyze) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool known =
        a == "--corpus" || a == "--text" || a == "--max-tokens" || a == "--context" ||
        (analyze && (a == "--intermediate" || a == "--top-vocab" || a == "--training-log"));
    if (known && i + 1 >= args.size()) return Error{a, "missing value"};
    if (a == "--corpus") {
      o.corpus = args[++i];
    } else if (a == "--text") {
      o.text = args[++i];
    } else if (a == "--intermediate" && analyze) {
      o.intermediate.push_back(args[++i]);
    } else if (a == "--training-log" && analyze) {
      o.training_log = args[++i];
    } else if (a == "--max-tokens") {
      Result<int64_t> v = parse_count(a, args[++i], 1, int64_t{1} << 30);
      if (!v.ok()) return v.error();
      o.max_tokens = v.value();
    } else if (a == "--context" || (a == "--top-vocab" && analyze)) {
      Result<int64_t> v = parse_count(a, args[++i], 1, int64_t{1} << 20);
      if (!v.ok()) return v.error();
      (a == "--context" ? o.context : o.top_vocab) = static_cast<int>(v.value());
    } else if (a.rfind("-", 0) == 0) {
      return Error{command, "unknown option \"" + a + "\" (see " + command + " --help)"};
    } else if (o.model_dir.empty()) {
      o.model_dir = a;
    } else {
      return Error{command, "unexpected argument \"" + a + "\""};
    }
  }
  if (o.model_dir.empty()) return Error{command, "missing MODEL_DIR"};
  if (!o.corpus.empty() && !o.text.empty()) {
    return Error{"--text", "cannot be combined with --corpus (one source of text)"};
  }
  if (analyze && o.corpus.empty() && o.text.empty()) {
    return Error{command, "needs --corpus DIR or --text FILE"};
  }
  if (!analyze && o.corpus.empty() && o.text.empty()) o.corpus = "build/lm-corpus";
  return o;
}

// The text of each domain: FILE as "text", or every DIR/<name>/heldout.txt by name.
Result<std::vector<std::pair<std::string, std::string>>> read_domains(const Options& o) {
  std::vector<std::pair<std::string, std::string>> texts;
  if (!o.text.empty()) {
    Result<std::string> t = read_file(o.text, kMaxTextBytes);
    if (!t.ok()) return Error{"--text: " + t.error().where, t.error().reason};
    texts.emplace_back("text", std::move(t.value()));
    return texts;
  }
  std::error_code ec;
  if (!fs::is_directory(o.corpus, ec)) {
    return Error{"--corpus", o.corpus + " is not a folder (expected <domain>/heldout.txt inside)"};
  }
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(o.corpus, ec)) {
    if (e.is_directory() && fs::is_regular_file(e.path() / "heldout.txt")) {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) {
    return Error{"--corpus", o.corpus + " holds no <domain>/heldout.txt"};
  }
  for (const std::string& name : names) {
    Result<std::string> t = read_file(o.corpus + "/" + name + "/heldout.txt", kMaxTextBytes);
    if (!t.ok()) return Error{"--corpus: " + t.error().where, t.error().reason};
    texts.emplace_back(name, std::move(t.value()));
  }
  return texts;
}

// Everything an evaluation needs: the model, its tokenizer, the encoded domains.
struct Loaded {
  lm::LmModel model;
  text::Tokenizer tokenizer;
  std::vector<analysis::TokenDomain> domains;
};

Result<Loaded> load(const Options& o) {
  Result<lm::LmModel> model = load_model_dir(o.model_dir);
  if (!model.ok()) return model.error();
  Result<text::Tokenizer> tok = load_tokenizer_dir(o.model_dir, model.value().config());
  if (!tok.ok()) return tok.error();
  Result<std::vector<std::pair<std::string, std::string>>> texts = read_domains(o);
  if (!texts.ok()) return texts.error();
  std::vector<analysis::TokenDomain> domains;
  for (const auto& [name, text] : texts.value()) {
    domains.push_back({name, tok.value().encode(text)});
  }
  return Loaded{std::move(model.value()), std::move(tok.value()), std::move(domains)};
}

json masking_json(lm::LmModel& model, const std::vector<analysis::TokenDomain>& domains,
                  const analysis::EvalOptions& eo) {
  Result<analysis::MaskingStudy> study = analysis::masking_study(model, domains, eo);
  if (!study.ok()) return {{"skipped", study.error().message()}};
  json off = json::array();
  for (size_t e = 0; e < study.value().expert_off.size(); ++e) {
    json row = losses_json(study.value().expert_off[e]);
    row["expert"] = e;
    off.push_back(std::move(row));
  }
  return {{"top1_masked", losses_json(study.value().top1_masked)}, {"expert_off", std::move(off)}};
}

// The routing of the log's text at one recorded step as a record (labels: one sequence per row).
//   text_ids [rows, T+1] (the model reads the first T of each row), topk_ids [L][rows·T·k]
Result<analysis::RoutingRecord> logged_routing(const json& text_ids, int rows, int T,
                                               const json& entry, const lm::LmConfig& c) {
  analysis::RoutingRecord r;
  r.num_experts = c.num_local_experts;
  r.top_k = c.num_experts_per_tok;
  r.domain_names = {"log"};
  for (int row = 0; row < rows; ++row) {
    for (int t = 0; t < T; ++t) {
      r.token_ids.push_back(text_ids[static_cast<size_t>(row) * (T + 1) + t].get<int32_t>());
      r.sequence.push_back(row);
      r.domain.push_back(0);
      r.surface.push_back(static_cast<int32_t>(analysis::SurfaceClass::mixed));
    }
  }
  const json& ids = entry["topk_ids"];
  const size_t per_layer = static_cast<size_t>(rows) * T * r.top_k;
  if (!ids.is_array() || static_cast<int>(ids.size()) != c.num_hidden_layers) {
    return Error{"topk_ids", "must hold one list per layer (" +
                                 std::to_string(c.num_hidden_layers) + ") of the model"};
  }
  for (const json& layer : ids) {
    if (!layer.is_array() || layer.size() != per_layer) {
      return Error{"topk_ids", "each layer must hold rows · T · k = " + std::to_string(per_layer) +
                                   " expert ids (a log of this model's recipe?)"};
    }
    std::vector<int32_t> l;
    for (const json& e : layer) {
      if (!e.is_number_integer()) return Error{"topk_ids", "must hold expert ids"};
      l.push_back(e.get<int32_t>());
    }
    r.topk_ids.push_back(std::move(l));
    r.router_probs.emplace_back(r.token_ids.size() * static_cast<size_t>(r.num_experts), 0.0f);
  }
  if (Result<bool> ok = analysis::check_routing_record(r); !ok.ok()) return ok.error();
  return r;
}

// Router saturation at every step `moe lm train` recorded in its log (routing.steps: the top-k
// ids of the log's text at routing_steps and after the last step), each against the last entry,
// the routing of the trained model: [{"step", "per_layer", "mean"}].
Result<json> saturation_from_log(const std::string& path, const lm::LmConfig& c) {
  Result<std::string> text = read_file(path, kMaxTextBytes);
  if (!text.ok()) return text.error();
  const json log = json::parse(text.value(), nullptr, /*allow_exceptions=*/false);
  if (log.is_discarded() || !log.is_object()) return Error{path, "not a JSON object"};
  const auto routing = log.find("routing");
  const json recipe = log.value("recipe", json::object());
  const json seq_len = recipe.is_object() ? recipe.value("seq_len", json()) : json();
  if (routing == log.end() || !routing->is_object() || !routing->contains("steps") ||
      !routing->contains("text_ids") || !routing->contains("rows") || seq_len.is_null()) {
    return Error{path + ": routing",
                 "missing (a training log of moe lm train, with recipe.seq_len and routing)"};
  }
  const json& steps = (*routing)["steps"];
  const json& text_ids = (*routing)["text_ids"];
  if (!seq_len.is_number_integer() || !(*routing)["rows"].is_number_integer() ||
      !steps.is_array() || steps.empty() || !text_ids.is_array()) {
    return Error{path + ": routing", "malformed (expected rows, text_ids and a list of steps)"};
  }
  const int seq = seq_len.get<int>(), rows = (*routing)["rows"].get<int>();
  if (seq < 1 || rows < 0 || text_ids.size() != static_cast<size_t>(rows) * (seq + 1)) {
    return Error{path + ": routing.text_ids", "must hold rows · (seq_len + 1) token ids"};
  }
  for (const json& id : text_ids) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= c.vocab_size) {
      return Error{path + ": routing.text_ids", "must hold token ids of this model's vocabulary"};
    }
  }
  std::vector<analysis::RoutingRecord> records;
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string where = path + ": routing.steps[" + std::to_string(i) + "]";
    if (!steps[i].is_object() || !steps[i].contains("step") || !steps[i]["step"].is_number()) {
      return Error{where, "must be {\"step\", \"topk_ids\"}"};
    }
    Result<analysis::RoutingRecord> r = logged_routing(text_ids, rows, seq, steps[i], c);
    if (!r.ok()) return Error{where + "." + r.error().where, r.error().reason};
    records.push_back(std::move(r.value()));
  }
  json out = json::array();
  for (size_t i = 0; i < records.size(); ++i) {
    Result<analysis::RouterSaturation> s = analysis::router_saturation(records[i], records.back());
    if (!s.ok()) return Error{path + ": " + s.error().where, s.error().reason};
    out.push_back(
        {{"step", steps[i]["step"]}, {"per_layer", s.value().per_layer}, {"mean", s.value().mean}});
  }
  return out;
}

}  // namespace

int run_lm_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (answered_help(args, out, kEvalHelp)) return 0;
  Result<Options> o = parse_options(args, "moe lm eval", false);
  if (!o.ok()) return fail(err, o.error().message());
  Result<Loaded> loaded = load(o.value());
  if (!loaded.ok()) return fail(err, loaded.error().message());
  analysis::EvalOptions eo;
  eo.context = o.value().context;
  eo.max_tokens = std::max<int64_t>(o.value().max_tokens, 0);
  eo.record_routing = false;
  Result<analysis::LmEvaluation> ev =
      analysis::evaluate_lm(loaded.value().model, loaded.value().domains, eo);
  if (!ev.ok()) return fail(err, ev.error().message());
  json result = losses_json(ev.value());
  result["context"] =
      eo.context == 0 ? loaded.value().model.config().max_position_embeddings : eo.context;
  out << result.dump() << "\n";
  return 0;
}

int run_lm_analyze(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (answered_help(args, out, kAnalyzeHelp)) return 0;
  Result<Options> parsed = parse_options(args, "moe lm analyze", true);
  if (!parsed.ok()) return fail(err, parsed.error().message());
  const Options& o = parsed.value();
  Result<Loaded> loaded = load(o);
  if (!loaded.ok()) return fail(err, loaded.error().message());
  lm::LmModel& model = loaded.value().model;
  analysis::AnalysisOptions ao;
  ao.context = o.context;
  ao.max_tokens = o.max_tokens < 0 ? kDefaultAnalyzeTokens : o.max_tokens;
  ao.top_vocab = o.top_vocab;
  Result<analysis::LmAnalysis> analysed =
      analysis::analyze_lm(model, loaded.value().tokenizer, loaded.value().domains, ao);
  if (!analysed.ok()) return fail(err, analysed.error().message());
  json& result = analysed.value().report;
  const analysis::RoutingRecord& record = analysed.value().evaluation.routing;

  analysis::EvalOptions eo;  // the same tokens for the masking studies and the checkpoints
  eo.context = ao.context;
  eo.max_tokens = ao.max_tokens;
  result["masking"] = masking_json(model, loaded.value().domains, eo);

  json saturation = json::array();
  for (const std::string& dir : o.intermediate) {
    Result<lm::LmModel> step_model = load_model_dir(dir);
    if (!step_model.ok()) return fail(err, "--intermediate: " + step_model.error().message());
    Result<analysis::LmEvaluation> step =
        analysis::evaluate_lm(step_model.value(), loaded.value().domains, eo);
    if (!step.ok()) return fail(err, "--intermediate " + dir + ": " + step.error().message());
    Result<analysis::RouterSaturation> s =
        analysis::router_saturation(step.value().routing, record);
    if (!s.ok()) return fail(err, "--intermediate " + dir + ": " + s.error().message());
    saturation.push_back(
        {{"checkpoint", dir}, {"per_layer", s.value().per_layer}, {"mean", s.value().mean}});
  }
  if (!o.training_log.empty()) {
    Result<json> logged = saturation_from_log(o.training_log, model.config());
    if (!logged.ok()) return fail(err, "--training-log: " + logged.error().message());
    for (json& s : logged.value()) saturation.push_back(std::move(s));
  }
  result["router_saturation"] = std::move(saturation);
  // Token pieces may hold part of a UTF-8 character: those bytes print as U+FFFD.
  out << result.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace moe::cli

// `moe lm train TRAIN.json` (lm_train_command.hpp): trains the language model on the tokenized
// corpus, prints one JSON line per chunk and per held-out evaluation, then a summary; writes the
// checkpoint folder and the training log when TRAIN.json names them.
#include "lm_train_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "moe/analysis/lm_evaluation.hpp"
#include "moe/kernels/thread_pool.hpp"
#include "moe/lm/lm_batches.hpp"
#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/lm/lm_train_recipe.hpp"
#include "moe/lm/lm_trainer.hpp"
#include "moe/lm/train_json_fields.hpp"
#include "moe/text/tokenizer_json.hpp"
#include "moe/train/linalg_kernels.hpp"

namespace moe::cli {

const char* const kLmTrainHelp =
    "usage: moe lm train TRAIN.json\n"
    "\n"
    "Trains the Mixtral-style language model on <corpus>/<domain>/train.txt (npm run lm:corpus)\n"
    "tokenized by <tokenizer> (moe lm tokenizer train). TRAIN.json fields (engine/README.md,\n"
    "\"Training the language model\"; engine/examples/lm-train-tiny.json runs in seconds):\n"
    "  corpus, tokenizer (required), domains, train_bytes, model {MixtralConfig fields but\n"
    "  vocab_size}, router_kind, capacity_factor, balancing {switch_aux, z_loss, seq_aux,\n"
    "  bias_gamma}, batch, seq_len, steps, lr, min_lr, warmup, weight_decay, clip, beta1, beta2,\n"
    "  seed, chunk, eval_every, eval_windows, routing_steps, out, dtype (f32 | f16 | bf16), log,\n"
    "  threads (default 2: the same bits as 1), simd (widest: FMA products on AVX2/AVX-512 |\n"
    "  baseline: mul + add products, wasm's bits, at the widest width)\n"
    "Prints one JSON object per line:\n"
    "  {\"step\", \"loss\": [per step], \"aux\": [per step], \"lr\", \"grad_norm\": [per step],\n"
    "   \"expert_load\": [L][E] over the chunk, \"elapsed_ms\"}            every `chunk` steps\n"
    "  {\"step\", \"heldout\": {domain: mean next-token loss}}                 every eval_every\n"
    "  {\"steps\", \"tokens\", \"tokens_per_second\", \"cpu_seconds\", \"tokens_per_cpu_second\",\n"
    "   \"params\", \"active_params\", \"heldout\"}\n"
    "Bad input: exit status 2 and one line `error: <where>: <reason>` on stderr.\n";

namespace {

using json = nlohmann::json;

bool read_text(const std::string& path, std::string& out, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  if (max_bytes > 0 && out.size() > max_bytes) out.resize(max_bytes);
  return true;
}

bool write_bytes(const std::string& path, const void* data, size_t n) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  return static_cast<bool>(f);
}

// Everything TRAIN.json says, checked.
struct Job {
  std::string corpus, tokenizer_path, out_dir, log_path;
  std::vector<std::string> domains{"prose", "code", "arithmetic"};
  int64_t train_bytes = 0;  // per domain, 0 = all
  lm::LmTrainConfig train;
  int64_t steps = 100, chunk = 10, eval_every = 0, eval_windows = 32;
  std::vector<int64_t> routing_steps;
  lm::Dtype dtype = lm::Dtype::F32;
  json model;                  // MixtralConfig fields without vocab_size
  bool baseline_simd = false;  // "simd": "baseline" (mul + add products: the shipped logs' bits)
};

#define MOE_TRY(expr)                         \
  if (std::optional<Error> e_ = (expr); e_) { \
    return *e_;                               \
  }

// The fields this command reads itself; the rest are the training recipe's (lm_train_recipe.hpp).
constexpr std::string_view kFileFields[] = {"corpus",       "tokenizer",     "out",   "log",
                                            "domains",      "train_bytes",   "chunk", "eval_every",
                                            "eval_windows", "routing_steps", "dtype", "simd"};

Result<Job> read_job(const json& doc) {
  Result<lm::LmTrainRecipe> recipe = lm::read_lm_train_recipe(doc, kFileFields);
  if (!recipe.ok()) return recipe.error();
  Job j;
  j.model = recipe.value().model;
  j.train = recipe.value().train;
  j.steps = recipe.value().steps;
  lm::TrainJsonFields f(doc);
  MOE_TRY(f.string("corpus", true, j.corpus));
  MOE_TRY(f.string("tokenizer", true, j.tokenizer_path));
  MOE_TRY(f.string("out", false, j.out_dir));
  MOE_TRY(f.string("log", false, j.log_path));
  if (const json* d = f.object("domains")) {
    if (!d->is_array() || d->empty()) return Error{"domains", "must be a non-empty array"};
    j.domains.clear();
    for (const json& name : *d) {
      if (!name.is_string() || name.get<std::string>().empty() ||
          name.get<std::string>().find('/') != std::string::npos) {
        return Error{"domains", "every entry must be a folder name, got " + name.dump()};
      }
      j.domains.push_back(name.get<std::string>());
    }
  }
  MOE_TRY(f.integer("train_bytes", 0, int64_t{1} << 30, j.train_bytes));
  MOE_TRY(f.integer("chunk", 1, 1'000'000, j.chunk));
  MOE_TRY(f.integer("eval_every", 0, 10'000'000, j.eval_every));
  MOE_TRY(f.integer("eval_windows", 1, 1'000'000, j.eval_windows));
  std::string simd = "widest";
  MOE_TRY(f.string("simd", false, simd));
  if (simd != "widest" && simd != "baseline") {
    return Error{"simd", "must be \"widest\" or \"baseline\", got \"" + simd + "\""};
  }
  j.baseline_simd = simd == "baseline";
  if (const json* r = f.object("routing_steps")) {
    if (!r->is_array()) return Error{"routing_steps", "must be an array of step counts"};
    for (const json& s : *r) {
      if (!s.is_number_integer() || s.get<int64_t>() < 0 || s.get<int64_t>() > j.steps) {
        return Error{"routing_steps",
                     "every entry must be a step count between 0 and steps, got " + s.dump()};
      }
      j.routing_steps.push_back(s.get<int64_t>());
    }
  }
  std::string dtype = "f32";
  MOE_TRY(f.string("dtype", false, dtype));
  if (dtype == "f16") {
    j.dtype = lm::Dtype::F16;
  } else if (dtype == "bf16") {
    j.dtype = lm::Dtype::BF16;
  } else if (dtype != "f32") {
    return Error{"dtype", "must be \"f32\", \"f16\" or \"bf16\", got \"" + dtype + "\""};
  }
  if (!j.out_dir.empty() && has_expert_capacity(j.train.shape.moe.router)) {
    // LmModel routes one sequence (or one generated token) at a time: the capacity groups the
    // trainer drew from its windows do not exist there, so the folder would not compute what was
    // trained.
    return Error{"out", "a checkpoint cannot hold the capacity router " +
                            doc.value("router_kind", std::string()) + "; drop \"out\" to train it"};
  }
  if (!j.out_dir.empty() && j.train.bias_gamma > 0 &&
      j.train.shape.moe.router != RouterKind::sigmoid_grouped_topk_bias) {
    // Only DeepseekV3's block has a tensor for the selection bias (e_score_correction_bias).
    return Error{"out",
                 "the loss-free bias (balancing.bias_gamma) is written only with router_kind "
                 "sigmoid_grouped_topk_bias; drop \"out\" or bias_gamma"};
  }
  return j;
}

json loads_json(const std::vector<std::vector<int64_t>>& load) {
  json a = json::array();
  for (const auto& l : load) a.push_back(l);
  return a;
}

}  // namespace

int run_lm_train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    out << kLmTrainHelp;
    return 0;
  }
  if (args.size() != 1) {
    return fail(err, "moe lm train",
                "expected TRAIN.json, got " + std::to_string(args.size()) +
                    " arguments (see moe lm train --help)");
  }
  const std::string& path = args[0];
  std::string text;
  if (!read_text(path, text, 0)) return fail(err, path, "cannot open file");
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(err, path, "not valid JSON");
  Result<Job> parsed = read_job(doc);
  if (!parsed.ok()) return fail(err, path + ": " + parsed.error().where, parsed.error().reason);
  Job& job = parsed.value();

  // ---- tokenizer, model config, tokens
  std::string tok_text;
  if (!read_text(job.tokenizer_path, tok_text, 0)) {
    return fail(err, job.tokenizer_path, "cannot open file (train one: moe lm tokenizer train)");
  }
  Result<text::Tokenizer> tok = text::tokenizer_from_json(tok_text);
  if (!tok.ok())
    return fail(err, job.tokenizer_path + ": " + tok.error().where, tok.error().reason);
  Result<lm::LmTrainConfig> config_for =
      lm::lm_train_config_for(lm::LmTrainRecipe{job.train, job.model, job.steps}, tok.value());
  if (!config_for.ok()) {
    return fail(err, path + ": " + config_for.error().where, config_for.error().reason);
  }
  lm::LmTrainConfig& tc = job.train;
  tc = config_for.value();
  const lm::LmConfig& model_config = tc.shape.config;

  std::vector<int32_t> train_tokens;
  std::map<std::string, std::vector<int32_t>> heldout;
  json token_counts = json::object();
  for (const std::string& domain : job.domains) {
    const std::string dir = job.corpus + "/" + domain;
    std::string train_text, held_text;
    if (!read_text(dir + "/train.txt", train_text, static_cast<size_t>(job.train_bytes))) {
      return fail(err, dir + "/train.txt",
                  "cannot open file (build the corpus: npm run lm:corpus)");
    }
    if (!read_text(dir + "/heldout.txt", held_text, 0)) {
      return fail(err, dir + "/heldout.txt",
                  "cannot open file (build the corpus: npm run lm:corpus)");
    }
    const std::vector<int32_t> ids = tok.value().encode(train_text);
    train_tokens.insert(train_tokens.end(), ids.begin(), ids.end());
    heldout[domain] = tok.value().encode(held_text);
    token_counts[domain] = {{"train", ids.size()}, {"heldout", heldout[domain].size()}};
  }
  // The width for this run only: a process that runs commands in process (the test suite) keeps
  // its own, so the layer trainer after it stays on the baseline.
  struct RestoreSimd {
    train::TrainSimd saved = train::train_simd();
    ~RestoreSimd() { train::set_train_simd(saved); }
  } restore_simd;
  train::set_train_simd(job.baseline_simd ? train::TrainSimd::baseline
                                          : train::train_simd_widest());
  Result<lm::LmTrainer> created = lm::LmTrainer::create(tc, std::move(train_tokens));
  if (!created.ok()) {
    return fail(err, path + ": " + created.error().where, created.error().reason);
  }
  lm::LmTrainer& trainer = created.value();
  const int T = tc.seq_len;

  // The evaluation text whose routing the log records: the first held-out window of each domain.
  std::vector<int32_t> routing_text;
  int routing_rows = 0;
  for (const std::string& domain : job.domains) {
    const std::vector<int32_t> w = lm::lm_heldout_windows(heldout[domain], T, 1);
    routing_text.insert(routing_text.end(), w.begin(), w.end());
    routing_rows += w.empty() ? 0 : 1;
  }
  std::set<int64_t> routing_at(job.routing_steps.begin(), job.routing_steps.end());
  routing_at.insert(0);  // the initial routing, and the final model's
  routing_at.insert(job.steps);

  json log = json::object();
  log["recipe"] = doc;
  log["tokens"] = token_counts;
  json train_loss = json::array(), aux_loss = json::array(), heldout_log = json::array();
  json routing_log = json::array(), chunk_loads = json::array();

  auto evaluate = [&](int64_t step) {
    json h = json::object();
    for (const std::string& domain : job.domains) {
      const std::vector<int32_t> w =
          lm::lm_heldout_windows(heldout[domain], T, static_cast<int>(job.eval_windows));
      h[domain] = trainer.evaluate(w, T);
    }
    json line = {{"step", step}, {"heldout", h}};
    out << line.dump() << "\n" << std::flush;
    heldout_log.push_back(line);
    return h;
  };
  auto record_routing = [&](int64_t step) {
    if (!routing_at.count(step) || routing_rows == 0) return;
    routing_log.push_back(
        {{"step", step}, {"topk_ids", trainer.route(routing_text, routing_rows, T)}});
  };

  const int L = model_config.num_hidden_layers, E = model_config.num_local_experts;
  double train_seconds = 0;
  double cpu_seconds = 0;  // CPU time of the steps (a shared machine's wall time says little)
  record_routing(0);
  for (int64_t done = 0; done < job.steps;) {
    // A chunk ends at the next routing step too, so that routing is recorded after exactly it.
    const int64_t next_routing = *routing_at.upper_bound(done);
    const int n = static_cast<int>(std::min({job.chunk, job.steps - done, next_routing - done}));
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const std::vector<lm::LmStepStats> stats = trainer.train_steps(n);
    cpu_seconds += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    train_seconds += ms / 1000;
    done += n;
    json loss = json::array(), aux = json::array(), norms = json::array();
    std::vector<std::vector<int64_t>> load(static_cast<size_t>(L), std::vector<int64_t>(E, 0));
    for (const lm::LmStepStats& s : stats) {
      loss.push_back(s.loss);
      aux.push_back(s.aux);
      norms.push_back(s.grad_norm);
      train_loss.push_back(s.loss);
      aux_loss.push_back(s.aux);
      for (int l = 0; l < L; ++l) {
        for (int e = 0; e < E; ++e) load[l][e] += s.expert_load[l][e];
      }
    }
    chunk_loads.push_back(loads_json(load));
    out << json{{"step", done},
                {"loss", loss},
                {"aux", aux},
                {"lr", stats.back().lr},
                {"grad_norm", norms},
                {"expert_load", loads_json(load)},
                {"elapsed_ms", std::round(ms)}}
               .dump()
        << "\n"
        << std::flush;
    if (job.eval_every > 0 && done % job.eval_every == 0 && done < job.steps) evaluate(done);
    record_routing(done);
  }
  const json final_heldout = evaluate(job.steps);

  const int64_t tokens = job.steps * tc.batch * T;
  const lm::LmConfig& c = model_config;
  const int64_t params = c.param_floats();
  const int64_t active = c.active_param_floats();
  json summary = {{"steps", job.steps},
                  {"tokens", tokens},
                  {"tokens_per_second", train_seconds > 0 ? std::round(tokens / train_seconds) : 0},
                  {"cpu_seconds", std::round(cpu_seconds * 10) / 10},
                  {"tokens_per_cpu_second", cpu_seconds > 0 ? std::round(tokens / cpu_seconds) : 0},
                  {"threads", tc.threads},
                  {"simd", train::train_simd_name(train::train_simd())},
                  {"params", params},
                  {"active_params", active},
                  {"heldout", final_heldout}};

  if (!job.out_dir.empty()) {
    Result<lm::LmCheckpointFiles> files = lm::lm_checkpoint_files(
        c, trainer.weights(), &tok.value(), job.dtype, {{"steps", std::to_string(job.steps)}});
    if (!files.ok()) return fail(err, files.error().where, files.error().reason);
    std::error_code ec;
    std::filesystem::create_directories(job.out_dir, ec);
    const lm::LmCheckpointFiles& fs = files.value();
    if (ec ||
        !write_bytes(job.out_dir + "/config.json", fs.config_json.data(), fs.config_json.size()) ||
        !write_bytes(job.out_dir + "/model.safetensors", fs.safetensors.data(),
                     fs.safetensors.size()) ||
        !write_bytes(job.out_dir + "/tokenizer.json", fs.tokenizer_json.data(),
                     fs.tokenizer_json.size())) {
      return fail(err, job.out_dir, "cannot write the checkpoint folder");
    }
    summary["out"] = job.out_dir;
    // The held-out loss of the folder as written (F16 rounds the weights), through the inference
    // path, so a test can check the committed checkpoint against the log.
    Result<lm::LmModel> saved = lm::LmModel::load(fs.config_json, fs.safetensors);
    if (!saved.ok())
      return fail(err, job.out_dir + ": " + saved.error().where, saved.error().reason);
    std::vector<analysis::TokenDomain> domains;
    for (const std::string& domain : job.domains) domains.push_back({domain, heldout[domain]});
    analysis::EvalOptions eo;
    eo.context = T;
    eo.max_tokens = job.eval_windows * T;
    eo.record_routing = false;
    Result<analysis::LmEvaluation> ev = analysis::evaluate_lm(saved.value(), domains, eo);
    if (!ev.ok()) return fail(err, job.out_dir + ": " + ev.error().where, ev.error().reason);
    json h = json::object();
    for (const analysis::DomainLoss& d : ev.value().domains) h[d.name] = d.loss;
    log["checkpoint_heldout"] = h;
    summary["checkpoint_heldout"] = h;
  }
  if (!job.log_path.empty()) {
    log["model"] = lm::lm_config_to_json(c);
    log["params"] = params;
    log["active_params"] = active;
    log["train_loss"] = train_loss;
    log["aux_loss"] = aux_loss;
    log["expert_load_per_chunk"] = chunk_loads;
    log["heldout"] = heldout_log;
    log["routing"] = {{"text_ids", routing_text}, {"rows", routing_rows}, {"steps", routing_log}};
    log["tokens_per_second"] = summary["tokens_per_second"];
    log["tokens_per_cpu_second"] = summary["tokens_per_cpu_second"];
    const std::string s = log.dump() + "\n";
    if (!write_bytes(job.log_path, s.data(), s.size())) {
      return fail(err, job.log_path, "cannot write the training log");
    }
  }
  out << summary.dump() << "\n";
  return 0;
}

}  // namespace moe::cli

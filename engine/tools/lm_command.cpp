#include "lm_command.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "forward_command.hpp"
#include "lm_analyze_command.hpp"
#include "lm_model_dir.hpp"
#include "lm_tokenizer_command.hpp"
#include "lm_train_command.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/result.hpp"

namespace moe::cli {
namespace {

using nlohmann::json;

const LmSubcommand kLmSubcommands[] = {
    {"forward", "MODEL_DIR INPUT.json: logits, router decisions, hidden states, aux loss (JSON)",
     run_lm_forward},
    {"generate",
     "MODEL_DIR --prompt-ids 3,1,4 [--max-new-tokens N] [--greedy | --temperature T "
     "--top-p P --seed S]",
     run_lm_generate},
    {"train", "TRAIN.json: train the model on the corpus, write the checkpoint folder and log",
     run_lm_train},
    {"eval", "MODEL_DIR [--corpus DIR | --text FILE]: held-out loss per domain (JSON)",
     run_lm_eval},
    {"analyze", "MODEL_DIR (--corpus DIR | --text FILE): routing analyses of the MoE papers (JSON)",
     run_lm_analyze},
    {"tokenizer",
     "train | encode | decode | stats: the byte-level BPE tokenizer (see moe lm tokenizer --help)",
     run_lm_tokenizer},
};

const char* const kForwardHelp =
    "usage: moe lm forward MODEL_DIR INPUT.json\n"
    "\n"
    "MODEL_DIR holds config.json (MixtralConfig fields) and model.safetensors (Hugging Face\n"
    "MixtralForCausalLM tensor names); INPUT.json is {\"input_ids\": [[id, ...], ...]} (B rows of\n"
    "T ids each). Prints one JSON object:\n"
    "  logits [B][T][V], final_hidden [B][T][d], hidden_states [L][B][T][d],\n"
    "  router_logits [L][B*T][E], topk_indices [L][B*T][k], topk_weights [L][B*T][k], aux_loss\n"
    "Bad input: exit status 2 and one line `error: <where>: <reason>` on stderr.\n";

const char* const kGenerateHelp =
    "usage: moe lm generate MODEL_DIR --prompt-ids 3,1,4 [--max-new-tokens N]\n"
    "                       [--greedy | --temperature T [--top-p P] [--seed S]]\n"
    "\n"
    "Generates N new token ids (default 16) after the prompt with a KV cache and prints\n"
    "{\"tokens\": [...]}. Greedy (argmax) unless --temperature or --top-p is given; sampling is\n"
    "nucleus sampling with a seeded RNG (default seed 0), so a seed gives the same tokens.\n"
    "Bad input: exit status 2 and one line `error: <where>: <reason>` on stderr.\n";

constexpr uint64_t kMaxInputBytes = 64u << 20;

// {"input_ids": [[...], ...]}: B rows of equal length T, integers. Ranges are the model's check.
Result<bool> read_input_ids(const json& doc, std::vector<int32_t>& ids, int& B, int& T) {
  if (!doc.is_object() || !doc.contains("input_ids")) {
    return Error{"input_ids", "missing (expected {\"input_ids\": [[id, ...], ...]})"};
  }
  const json& rows = doc["input_ids"];
  if (!rows.is_array() || rows.empty()) {
    return Error{"input_ids", "must be a non-empty array of rows of token ids"};
  }
  B = static_cast<int>(rows.size());
  T = -1;
  for (size_t b = 0; b < rows.size(); ++b) {
    const std::string where = "input_ids[" + std::to_string(b) + "]";
    if (!rows[b].is_array() || rows[b].empty()) {
      return Error{where, "must be a non-empty array of token ids"};
    }
    if (T < 0) T = static_cast<int>(rows[b].size());
    if (static_cast<int>(rows[b].size()) != T) {
      return Error{where, "has " + std::to_string(rows[b].size()) + " ids, but row 0 has " +
                              std::to_string(T) + " (every row must have the same length)"};
    }
    for (size_t t = 0; t < rows[b].size(); ++t) {
      const json& v = rows[b][t];
      if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
        return Error{where + "[" + std::to_string(t) + "]",
                     "must be an integer token id, got " + v.dump()};
      }
      ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
    }
  }
  return true;
}

// data [B·T, cols] → [B][T][cols]
json batch_json(const float* data, int B, int T, int64_t cols) {
  json m = json::array();
  for (int b = 0; b < B; ++b) m.push_back(rows_json(data + int64_t{b} * T * cols, T, cols));
  return m;
}

json forward_json(const lm::LmTrace& tr, const lm::LmConfig& c) {
  const int B = tr.batch, T = tr.tokens, N = B * T;
  const int E = c.num_local_experts, k = c.num_experts_per_tok, d = c.hidden_size;
  json out = json::object();
  out["logits"] = batch_json(tr.logits.data(), B, T, c.vocab_size);
  out["final_hidden"] = batch_json(tr.final_hidden.data(), B, T, d);
  json hidden = json::array(), logits = json::array(), ids = json::array(), w = json::array();
  for (const lm::LmLayerActivations& a : tr.layers) {
    hidden.push_back(batch_json(a.output.data(), B, T, d));
    logits.push_back(rows_json(a.router_logits.data(), N, E));
    ids.push_back(rows_json(a.topk_ids.data(), N, k));
    w.push_back(rows_json(a.topk_weights.data(), N, k));
  }
  out["hidden_states"] = std::move(hidden);
  out["router_logits"] = std::move(logits);
  out["topk_indices"] = std::move(ids);
  out["topk_weights"] = std::move(w);
  out["aux_loss"] = number(tr.aux_loss);
  return out;
}

// "3,1,4" → ids; anything else is an error naming the item.
Result<std::vector<int32_t>> parse_id_list(const std::string& text) {
  std::vector<int32_t> ids;
  if (text.empty()) return Error{"--prompt-ids", "is empty (expected ids like 3,1,4)"};
  size_t start = 0;
  for (int item = 1;; ++item) {
    const size_t comma = text.find(',', start);
    const std::string word =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (word.empty() || *end != '\0' || errno != 0 || v < INT32_MIN || v > INT32_MAX ||
        word.find_first_of(" \t+") != std::string::npos) {
      return Error{"--prompt-ids", "item " + std::to_string(item) + " (\"" + word +
                                       "\") is not a token id (expected ids like 3,1,4)"};
    }
    ids.push_back(static_cast<int32_t>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ids;
}

// A number option: the whole word must parse.
Result<double> parse_number(const std::string& flag, const std::string& word) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(word.c_str(), &end);
  if (word.empty() || *end != '\0' || errno != 0) {
    return Error{flag, "expected a number, got \"" + word + "\""};
  }
  return v;
}

}  // namespace

int run_lm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::ostream& to = args.empty() ? err : out;
    to << "usage: moe lm <subcommand> [options]\n\nMixtral-style MoE language model.\n\n"
          "subcommands:\n";
    for (const LmSubcommand& s : kLmSubcommands) to << "  " << s.name << " " << s.summary << "\n";
    to << "\nBad input exits with status 2 and prints `error: <where>: <reason>` on stderr.\n";
    return args.empty() ? 2 : 0;
  }
  for (const LmSubcommand& s : kLmSubcommands) {
    if (args[0] == s.name) return s.run({args.begin() + 1, args.end()}, out, err);
  }
  return fail(err, "moe lm: unknown subcommand \"" + args[0] + "\" (see moe lm --help)");
}

int run_lm_forward(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (answered_help(args, out, kForwardHelp)) return 0;
  if (args.size() != 2) {
    return fail(err, "moe lm forward: expected MODEL_DIR and INPUT.json, got " +
                         std::to_string(args.size()) + " arguments (see moe lm forward --help)");
  }
  Result<std::string> input = read_file(args[1], kMaxInputBytes);
  if (!input.ok()) return fail(err, input.error().message());
  const json doc = json::parse(input.value(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(err, args[1] + ": not valid JSON");
  std::vector<int32_t> ids;
  int B = 0, T = 0;
  Result<bool> read = read_input_ids(doc, ids, B, T);
  if (!read.ok()) return fail(err, args[1] + ": " + read.error().message());
  Result<lm::LmModel> model = load_model_dir(args[0]);
  if (!model.ok()) return fail(err, model.error().message());
  Result<const lm::LmTrace*> run = model.value().forward(ids, B, T);
  if (!run.ok()) return fail(err, args[1] + ": " + run.error().message());
  out << forward_json(*run.value(), model.value().config()).dump() << "\n";
  return 0;
}

int run_lm_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (answered_help(args, out, kGenerateHelp)) return 0;
  std::string dir;
  bool have_prompt = false, greedy_flag = false, sampling_flag = false;
  std::vector<int32_t> prompt;
  lm::GenerateOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool takes_value = a == "--prompt-ids" || a == "--max-new-tokens" ||
                             a == "--temperature" || a == "--top-p" || a == "--seed";
    if (takes_value && i + 1 >= args.size()) return fail(err, a + ": missing value");
    if (a == "--prompt-ids") {
      Result<std::vector<int32_t>> ids = parse_id_list(args[++i]);
      if (!ids.ok()) return fail(err, ids.error().message());
      prompt = ids.value();
      have_prompt = true;
    } else if (a == "--max-new-tokens" || a == "--seed") {
      Result<double> v = parse_number(a, args[++i]);
      if (!v.ok()) return fail(err, v.error().message());
      const double x = v.value();
      const double hi = a == "--seed" ? 9007199254740992.0 : 1 << 20;
      if (x != static_cast<double>(static_cast<int64_t>(x)) || x < 0 || x > hi) {
        return fail(err, a + ": expected a whole number between 0 and " +
                             std::to_string(static_cast<int64_t>(hi)) + ", got " + args[i]);
      }
      if (a == "--seed") {
        o.seed = static_cast<uint64_t>(x);
      } else {
        o.max_new_tokens = static_cast<int>(x);
      }
    } else if (a == "--temperature" || a == "--top-p") {
      Result<double> v = parse_number(a, args[++i]);
      if (!v.ok()) return fail(err, v.error().message());
      (a == "--temperature" ? o.temperature : o.top_p) = static_cast<float>(v.value());
      sampling_flag = true;
    } else if (a == "--greedy") {
      greedy_flag = true;
    } else if (a.rfind("-", 0) == 0) {
      return fail(err,
                  "moe lm generate: unknown option \"" + a + "\" (see moe lm generate --help)");
    } else if (dir.empty()) {
      dir = a;
    } else {
      return fail(err, "moe lm generate: unexpected argument \"" + a + "\"");
    }
  }
  if (dir.empty()) return fail(err, "moe lm generate: missing MODEL_DIR");
  if (!have_prompt) return fail(err, "--prompt-ids: missing (expected ids like 3,1,4)");
  if (greedy_flag && sampling_flag) {
    return fail(err, "--greedy: cannot be combined with --temperature or --top-p");
  }
  o.greedy = !sampling_flag;
  Result<lm::LmModel> model = load_model_dir(dir);
  if (!model.ok()) return fail(err, model.error().message());
  Result<std::vector<int32_t>> tokens = lm::lm_generate(model.value(), prompt, o);
  if (!tokens.ok()) return fail(err, tokens.error().message());
  out << json{{"tokens", tokens.value()}}.dump() << "\n";
  return 0;
}

}  // namespace moe::cli

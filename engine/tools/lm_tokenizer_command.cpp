// `moe lm tokenizer ...` (lm_tokenizer_command.hpp): train a tokenizer on files, encode text,
// decode ids, and measure tokens per byte of files.
#include "lm_tokenizer_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "moe/text/bpe_train.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace moe::cli {

const char* const kLmTokenizerUsage =
    "usage: moe lm tokenizer <command> ...\n"
    "\n"
    "  train --vocab N --out TOKENIZER.json FILE...\n"
    "        train a byte-level BPE of N tokens (bytes + merges + <|endoftext|>) on the files;\n"
    "        prints {\"vocab_size\", \"merges\", \"bytes\", \"train_ms\"}\n"
    "  encode TOKENIZER.json --text TEXT     prints {\"ids\": [...], \"pieces\": [...]}\n"
    "  decode TOKENIZER.json --ids 1,2,3     prints the decoded bytes as they are\n"
    "  stats TOKENIZER.json FILE...          per file: bytes, tokens, tokens per byte, and\n"
    "                                        whether decode(encode(file)) gives the file back\n"
    "\n"
    "Pieces are the tokens' bytes as text (a piece that splits a UTF-8 character shows U+FFFD).\n"
    "Bad input exits with status 2 and prints `error: <where>: <reason>` on stderr.\n";

namespace {

using json = nlohmann::json;

// Largest file the command reads: training and stats work on a few MB per domain.
constexpr std::streamoff kMaxFileBytes = std::streamoff{256} << 20;

bool read_file(const std::string& path, std::string& out, std::string& reason) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    reason = "cannot open the file";
    return false;
  }
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxFileBytes) {
    reason = "file is larger than " + std::to_string(kMaxFileBytes) + " bytes (or unreadable)";
    return false;
  }
  out.resize(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(out.data(), size)) {
    reason = "read failed";
    return false;
  }
  return true;
}

int load(const std::string& path, std::optional<moe::text::Tokenizer>& out, std::ostream& err) {
  std::string text, reason;
  if (!read_file(path, text, reason)) return fail(err, path, reason);
  auto t = moe::text::tokenizer_from_json(text);
  if (!t.ok()) return fail(err, path + ": " + t.error().where, t.error().reason);
  out.emplace(std::move(t.value()));
  return 0;
}

// Token bytes as a JSON string; invalid UTF-8 (a piece of a character) becomes U+FFFD.
std::string piece_text(const std::string& bytes) {
  return json(bytes).dump(-1, ' ', false, json::error_handler_t::replace);
}

int train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  moe::text::BpeTrainOptions options;
  std::string out_path;
  std::vector<std::string> files;
  bool have_vocab = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--vocab" || args[i] == "--out") {
      if (i + 1 >= args.size()) return fail(err, args[i], "needs a value");
      const std::string& v = args[++i];
      if (args[i - 1] == "--out") {
        out_path = v;
        continue;
      }
      const std::optional<long long> n = whole_number_word(v);
      if (!n) return fail(err, "--vocab", "must be a whole number, got \"" + v + "\"");
      if (*n < 0 || *n > (1 << 30))
        return fail(err, "--vocab", "must be between 257 and 65536, got " + v);
      options.vocab_size = static_cast<int32_t>(*n);
      have_vocab = true;
    } else if (args[i].rfind("--", 0) == 0) {
      return fail(err, args[i], "unknown option (see moe lm tokenizer --help)");
    } else {
      files.push_back(args[i]);
    }
  }
  if (!have_vocab) return fail(err, "--vocab", "missing");
  if (out_path.empty()) return fail(err, "--out", "missing");
  if (files.empty()) return fail(err, "train", "needs at least one FILE to train on");
  std::vector<std::string> texts(files.size());
  size_t bytes = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    std::string reason;
    if (!read_file(files[f], texts[f], reason)) return fail(err, files[f], reason);
    bytes += texts[f].size();
  }
  const auto start = std::chrono::steady_clock::now();
  auto t = moe::text::train_bpe(std::vector<std::string_view>(texts.begin(), texts.end()), options);
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  if (!t.ok()) return fail(err, "--vocab", t.error().reason);
  std::ofstream file(out_path, std::ios::binary);
  file << moe::text::tokenizer_to_json(t.value());
  if (!file.flush()) return fail(err, out_path, "cannot write the file");
  out << json{{"vocab_size", t.value().vocab_size()},
              {"merges", t.value().parts().merges.size()},
              {"bytes", bytes},
              {"train_ms", std::round(ms.count())}}
             .dump()
      << "\n";
  return 0;
}

int encode(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 3 || args[1] != "--text") {
    return fail(err, "encode", "usage: moe lm tokenizer encode TOKENIZER.json --text TEXT");
  }
  std::optional<moe::text::Tokenizer> t;
  if (int status = load(args[0], t, err)) return status;
  const std::vector<int32_t> ids = t->encode(args[2]);
  std::string line = "{\"ids\": " + json(ids).dump() + ", \"pieces\": [";
  for (size_t i = 0; i < ids.size(); ++i) {
    line += (i ? ", " : "") + piece_text(t->token_bytes(ids[i]));
  }
  out << line << "]}\n";
  return 0;
}

int decode(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 3 || args[1] != "--ids") {
    return fail(err, "decode", "usage: moe lm tokenizer decode TOKENIZER.json --ids 1,2,3");
  }
  std::vector<int32_t> ids;
  const std::string& list = args[2];
  size_t at = 0;
  while (!list.empty() && at <= list.size()) {
    const size_t comma = std::min(list.find(',', at), list.size());
    const std::string item = list.substr(at, comma - at);
    const std::string where = "--ids[" + std::to_string(ids.size()) + "]";
    if (item.empty() || item.size() > 9 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return fail(err, where, "must be a token id (a whole number), got \"" + item + "\"");
    }
    ids.push_back(std::stoi(item));
    at = comma + 1;
  }
  std::optional<moe::text::Tokenizer> t;
  if (int status = load(args[0], t, err)) return status;
  auto text = t->decode(ids);
  if (!text.ok()) return fail(err, "--" + text.error().where, text.error().reason);
  out << text.value();
  return 0;
}

int stats(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() < 2)
    return fail(err, "stats", "usage: moe lm tokenizer stats TOKENIZER.json FILE...");
  std::optional<moe::text::Tokenizer> t;
  if (int status = load(args[0], t, err)) return status;
  for (size_t f = 1; f < args.size(); ++f) {
    std::string text, reason;
    if (!read_file(args[f], text, reason)) return fail(err, args[f], reason);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<int32_t> ids = t->encode(text);
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    const auto back = t->decode(ids);
    out << json{{"file", args[f]},
                {"bytes", text.size()},
                {"tokens", ids.size()},
                {"tokens_per_byte", text.empty() ? 0.0 : double(ids.size()) / double(text.size())},
                {"round_trip", back.ok() && back.value() == text},
                {"encode_ms", std::round(ms.count())}}
               .dump()
        << "\n";
  }
  return 0;
}

}  // namespace

int run_lm_tokenizer(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kLmTokenizerUsage;
    return 2;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    out << kLmTokenizerUsage;
    return 0;
  }
  if (command == "train") return train(rest, out, err);
  if (command == "encode") return encode(rest, out, err);
  if (command == "decode") return decode(rest, out, err);
  if (command == "stats") return stats(rest, out, err);
  return fail(err, "moe lm tokenizer",
              "unknown command \"" + command + "\" (train, encode, decode, stats)");
}

}  // namespace moe::cli

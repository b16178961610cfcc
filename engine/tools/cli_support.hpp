// What every `moe` subcommand shares: how bad input ends (a message on stderr, exit status 2), how
// a command is asked for its help, and how a number typed on the command line is read.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace moe::cli {

// Bad input: prints `error: <message>` on err and returns the exit status 2.
inline int fail(std::ostream& err, const std::string& message) {
  err << "error: " << message << "\n";
  return 2;
}

// Bad input named in two parts: `error: <where>: <reason>`.
inline int fail(std::ostream& err, const std::string& where, const std::string& reason) {
  return fail(err, where + ": " + reason);
}

// True when any argument is -h or --help.
inline bool wants_help(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

// The start of every subcommand: when any argument is -h or --help, prints `usage` on out and
// returns true (the command then ends with exit status 0).
inline bool answered_help(const std::vector<std::string>& args, std::ostream& out,
                          std::string_view usage) {
  if (!wants_help(args)) return false;
  out << usage;
  return true;
}

// The whole number `word` spells as std::stoll reads it (leading blanks and a sign allowed), using
// every character; nullopt when it is empty, has anything after the digits or does not fit.
inline std::optional<long long> whole_number_word(const std::string& word) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(word, &used);
  } catch (...) {
    return std::nullopt;
  }
  if (used != word.size()) return std::nullopt;
  return v;
}

}  // namespace moe::cli

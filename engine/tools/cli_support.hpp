// What every `moe` subcommand shares: how bad input ends (a message on stderr, exit status 2) and
// how a command is asked for its help.
#pragma once

#include <ostream>
#include <string>
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

}  // namespace moe::cli

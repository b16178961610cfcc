// `moe forward`: run one case in the oracle format through the full layer and print the values
// under the names of the case's `expected` (shared/oracle/README.md). In-process and testable:
// everything goes to the given streams and the exit status is returned.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace moe::cli {

// A float as the JSON number with the shortest decimal that reads back as the same float32
// (%.*g with 1..9 significant digits; Emscripten's libc++ has no float to_chars).
nlohmann::json number(float v);

// Help text of `moe forward --help`.
extern const char* const kForwardUsage;

// args: the words after `forward` (CASE.json, or -h / --help). Prints one JSON object on `out`
// and returns 0, or prints one line `error: <where>: <reason>` on `err` and returns 2.
int run_forward(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The same on the text of a case (no file): what run_forward does after reading the file.
int forward_text(const std::string& text, std::ostream& out, std::ostream& err);

}  // namespace moe::cli

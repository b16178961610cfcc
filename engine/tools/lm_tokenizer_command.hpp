// `moe lm tokenizer train|encode|decode|stats`: the byte-level BPE tokenizer of moe::text from the
// command line. In-process and testable: everything goes to the given streams and the exit status
// is returned (0, or 2 with one line `error: <where>: <reason>` on `err`).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moe::cli {

extern const char* const kLmTokenizerUsage;

// args: the words after `lm tokenizer`.
int run_lm_tokenizer(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace moe::cli

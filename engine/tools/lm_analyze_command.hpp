// `moe lm eval` and `moe lm analyze`: the language model on held-out text (analysis/).
//   moe lm eval MODEL_DIR [--corpus DIR | --text FILE] [--max-tokens N] [--context C]
//   moe lm analyze MODEL_DIR (--corpus DIR | --text FILE) [--max-tokens N] [--context C]
//                  [--intermediate DIR]... [--top-vocab N]
// In-process like the other `moe lm` commands: output to the given streams, exit status returned.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moe::cli {

int run_lm_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_lm_analyze(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace moe::cli

// `moe lm <sub>`: the Mixtral-style language model on the command line. In-process and testable
// like `moe forward`: output goes to the given streams and the exit status is returned.
//   moe lm forward MODEL_DIR INPUT.json    logits, router decisions, hidden states, aux loss
//   moe lm generate MODEL_DIR --prompt-ids 3,1,4 [--max-new-tokens N] [--greedy |
//                   --temperature T --top-p P --seed S]
// MODEL_DIR holds config.json and model.safetensors (Hugging Face names).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moe::cli {

using LmSubcommandFn = int (*)(const std::vector<std::string>& args, std::ostream& out,
                               std::ostream& err);

// One row of the `moe lm` dispatcher. Another file adds its subcommands by adding rows to the
// table in lm_command.cpp.
struct LmSubcommand {
  const char* name;
  const char* summary;  // one line for `moe lm --help`
  LmSubcommandFn run;
};

// args: the words after `lm`. Unknown or missing subcommand: exit 2 with one error line.
int run_lm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The subcommands (args: the words after the subcommand's name).
int run_lm_forward(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_lm_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace moe::cli

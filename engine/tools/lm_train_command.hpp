// `moe lm train TRAIN.json`: trains the language model from the command line (in-process and
// testable like the other `moe lm` subcommands; see kLmTrainHelp in lm_train_command.cpp).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moe::cli {

// args: the words after `train`. Bad input: exit 2 with one `error: <where>: <reason>` line.
int run_lm_train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace moe::cli

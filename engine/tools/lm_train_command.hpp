// `moe lm train TRAIN.json`: trains the language model from the command line (in-process and
// testable like the other `moe lm` subcommands; see kLmTrainHelp in lm_train_command.cpp).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "moe/lm/lm_forward.hpp"

namespace moe::cli {

// args: the words after `train`. Bad input: exit 2 with one `error: <where>: <reason>` line.
int run_lm_train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Mean next-token loss of `model` (the inference path, LmModel::forward) over the held-out
// windows lm_heldout_windows(tokens, T, max_windows); the log's checkpoint_heldout.
double heldout_loss(lm::LmModel& model, const std::vector<int32_t>& tokens, int T,
                    int64_t max_windows);

}  // namespace moe::cli

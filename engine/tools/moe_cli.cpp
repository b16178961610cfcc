// `moe`: the engine's command line, for tests, scripting and comparing with the oracle cases.
//   moe forward CASE.json   run an oracle-format case, print the engine's values as one JSON object
//   moe lm <sub>            the MoE language model (lm_command.hpp)
// Bad input exits with status 2 and one line `error: <where>: <reason>` on stderr.
#include <iostream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "forward_command.hpp"
#include "lm_command.hpp"

namespace {

constexpr const char* kUsage =
    "usage: moe <command> [options]\n"
    "\n"
    "MoE Tutor engine command line.\n"
    "\n"
    "commands:\n"
    "  forward CASE.json   run one oracle-format case through the layer, print JSON (every\n"
    "                      router kind; see moe forward --help)\n"
    "  train CONFIG.json   train a layer, print one JSON line per chunk and a summary\n"
    "  bench-train         time training steps of the reference config (steps/s)\n"
    "  lm <subcommand>     the Mixtral-style MoE language model (forward, generate,\n"
    "                      tokenizer; see moe lm --help)\n"
    "\n"
    "options:\n"
    "  -h, --help          show this help (also: moe <command> --help)\n"
    "\n"
    "Bad input exits with status 2 and prints `error: <where>: <reason>` on stderr.\n";

}  // namespace

int train_command(int argc, char** argv);        // train_command.cpp
int bench_train_command(int argc, char** argv);  // train_command.cpp

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "forward") {
    return moe::cli::run_forward(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                 std::cerr);
  }
  if (command == "lm") {
    return moe::cli::run_lm(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
  }
  if (command == "train") return train_command(argc, argv);
  if (command == "bench-train") return bench_train_command(argc, argv);
  return moe::cli::fail(std::cerr, "moe: unknown command \"" + command + "\" (see moe --help)");
}

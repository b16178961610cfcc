// Helpers for the in-process CLI tests (`moe forward`, `moe lm ...`) beside run_cli
// (test_support.hpp): the exact failure every command prints on bad input, and scratch files to
// point a command at.
#pragma once

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "test_support.hpp"  // CliRun, run_cli

namespace moe_test {

// Bad input: exit status 2, nothing on stdout, and exactly one `error: <message>` line.
inline void check_cli_fails(const CliRun& r, const std::string& message) {
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "error: " + message + "\n");
}

// A folder for files a test writes, <temp>/<suite>/<name> (native: the system temp folder;
// wasm: MEMFS), created if missing.
inline std::string scratch_dir(const std::string& suite, const std::string& name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / suite / name;
  std::filesystem::create_directories(p);
  return p.string();
}

// The signature every in-process command shares (moe::cli::run_forward, moe::cli::run_lm, ...).
using CliCommand = int (*)(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err);

// One command under test: run(args) runs it in-process, scratch(name) is a folder for the files a
// test points it at, <temp>/<suite>/<name>.
struct CliUnderTest {
  CliCommand command;
  std::string suite;

  CliRun run(const std::vector<std::string>& args) const { return run_cli(command, args); }
  std::string scratch(const std::string& name) const { return scratch_dir(suite, name); }
};

inline void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

}  // namespace moe_test

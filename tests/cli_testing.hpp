// Runs the ctm command from a test, keeping stdout and stderr apart, and makes a per-process temp folder.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ctm::test_support {

struct CliResult {
  int status;
  std::string out, err;
};

// The ctm binary under test: the build's (CTM_CLI), or $CTM_TEST_CLI (an installed copy, an older
// build to show that a test fails before its fix).
inline std::string cli_path() {
  const char* env = std::getenv("CTM_TEST_CLI");
  return env && *env ? env : CTM_CLI;
}

// A shell command line (`prefix` before the binary: ulimit, mpirun, environment), the ctm binary,
// then `args`; stdout captured, stderr through a file in `dir`.
inline CliResult run_shell(const std::string& prefix, const std::string& args, const std::string& dir) {
  const std::string err_path = dir + "/stderr.txt";
  FILE* p = popen((prefix + cli_path() + " " + args + " 2>" + err_path).c_str(), "r");
  CliResult r{-1, "", ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream e(err_path);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  return r;
}

// `args` after the ctm binary; stderr goes through a file in `dir`.
inline CliResult run_cli(const std::string& args, const std::string& dir) { return run_shell("", args, dir); }

inline std::string temp_dir(const std::string& prefix) {
  const auto d = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace ctm::test_support

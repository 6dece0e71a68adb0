// Runs the ctm command from a test, keeping stdout and stderr apart, and makes a per-process temp folder.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

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

// A folder of this test process (prefix + pid) under the system's temp directory, created on first
// use and removed with everything in it when the process exits, so that repeated test runs leave
// nothing behind (a crashed process leaves its folder, named by its pid).
inline std::string temp_dir(const std::string& prefix) {
  struct Folders {
    std::vector<std::filesystem::path> made;
    ~Folders() {
      for (const auto& d : made) {
        std::error_code ec;  // best effort: a failure here must not turn a passed run into a crash
        std::filesystem::remove_all(d, ec);
      }
    }
  };
  static Folders folders;
  const auto d = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  if (std::find(folders.made.begin(), folders.made.end(), d) == folders.made.end()) folders.made.push_back(d);
  return d.string();
}

}  // namespace ctm::test_support

// Runs the ctm command from a test, keeping stdout and stderr apart, and makes a per-process temp folder.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ctm::test_support {

struct CliResult {
  int status;
  std::string out, err;
};

// `args` after the ctm binary (CTM_CLI); stderr goes through a file in `dir`.
inline CliResult run_cli(const std::string& args, const std::string& dir) {
  const std::string err_path = dir + "/stderr.txt";
  FILE* p = popen((std::string(CTM_CLI) + " " + args + " 2>" + err_path).c_str(), "r");
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

inline std::string temp_dir(const std::string& prefix) {
  const auto d = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace ctm::test_support

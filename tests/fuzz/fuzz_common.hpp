// Shared helpers of the libFuzzer targets (tests/fuzz/, docs/testing.md): the readers that take a
// path get the fuzzer's bytes through one scratch file per process, named with the right suffix.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace ctm_fuzz {

// Writes `bytes` to a scratch file ending in `suffix` (in $TMPDIR or /tmp) and returns its path.
inline std::string scratch_file(const std::string& bytes, const std::string& suffix) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir && *dir ? dir : "/tmp") + "/ctm-fuzz-" + std::to_string(getpid()) + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) std::abort();  // the harness itself failed: not a finding in ctm
  return path;
}

}  // namespace ctm_fuzz

// libFuzzer target: the input readers of `ctm bdm` (host/cli/bdm_inputs.cpp): text lines and CSV
// (1D and 2D), NumPy .npy and PBM/PGM. The first byte picks the format and the block dimension, the
// rest is the file. read_bdm_inputs reports a bad file as an input with its error; anything that
// escapes as an exception, crashes or trips a sanitizer is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/bdm_inputs.hpp"
#include "ctm/types.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kSuffix[] = {".txt", ".csv", ".npy", ".pbm", ".pgm"};
  const uint8_t mode = data[0];
  const std::string suffix = kSuffix[(mode & 0x7f) % 5];
  const bool two_d = (mode & 0x80) != 0 || suffix == ".pbm" || suffix == ".pgm";
  const std::string path = ctm_fuzz::scratch_file(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), suffix);
  try {
    for (const auto& in : ctm::cli::read_bdm_inputs({path}, two_d, (mode & 0x40) ? 1 : -1)) {
      if (!in.error.empty()) continue;
      // An accepted input is a well-formed array: as many cells as its shape says, none of them empty.
      const auto& a = in.array;
      if (a.cells.empty() || a.rows <= 0 || a.cols <= 0 || a.cells.size() != static_cast<size_t>(a.rows) * a.cols) __builtin_trap();
    }
  } catch (const ctm::Error&) {
  }
  return 0;
}

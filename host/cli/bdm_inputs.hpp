// Input readers of `ctm bdm`, `ctm perturb` and `ctm acss`: lines of symbols or CSV, NumPy .npy and
// PBM/PGM images, each checked before anything is allocated from its declared sizes (docs/bdm.md).
#pragma once
#include <istream>
#include <string>
#include <vector>

#include "ctm/bdm.hpp"

namespace ctm::cli {

struct BdmInput {
  std::string name;
  SymbolArray array;
  std::string error;  // set when reading failed; the input is reported and skipped
};

// Every path ("-" = stdin; none = stdin) in order; a file that cannot be read becomes one input
// with its error. `threshold` >= 0 maps each value v to (v >= threshold ? 1 : 0).
std::vector<BdmInput> read_bdm_inputs(const std::vector<std::string>& paths, bool two_d, int threshold);

// The lines of a text stream that hold data: `#` comment lines, trailing blank lines and a CSV
// header line (a first line that starts with a letter or a quote) left out; (line number, text).
// Throws ctm::Error for binary data (a control byte), naming its line and position.
std::vector<std::pair<size_t, std::string>> data_lines(std::istream& in);

// `s` with bytes outside printable ASCII written as \xNN (for error messages).
std::string printable(const std::string& s);

bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace ctm::cli

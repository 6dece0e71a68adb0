// Fixtures shared by the BDM tests (test_bdm.cpp, test_bdm_cli.cpp): the engine's D(5,2) table loaded
// once per test binary, strings as symbol arrays, repeated strings, and 1D/2D options.
#pragma once
#include <string>

#include "ctm/bdm.hpp"

namespace ctm::test_support {

inline const BdmTable& d52() {
  static const BdmTable t = BdmTable::load(std::string(CTM_SOURCE_DIR) + "/data/d5-2.ctm", 2, false);
  return t;
}
inline SymbolArray seq(const std::string& s) { return SymbolArray::from_string(s); }
inline std::string rep(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
inline BdmOptions opts_1d(int block, Decomposition d = Decomposition::ignore) {
  BdmOptions o;
  o.block_cols = block;
  o.partition = d;
  return o;
}
inline BdmOptions opts_2d(int block, Decomposition d = Decomposition::ignore) {
  BdmOptions o;
  o.block_rows = o.block_cols = block;
  o.partition = d;
  return o;
}

}  // namespace ctm::test_support

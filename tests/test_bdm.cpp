// BDM: the spec's reference values (../shared/spec/bdm.md), pybdm side by side on committed fixtures
// (tests/data/pybdm_*.tsv from tests/pybdm_reference.py), periodic against the wrapped object,
// perturbation against recomputation, thread-count independence, acss functions.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "ctm/bdm.hpp"

namespace {

using namespace ctm;

const std::string kShared = CTM_SHARED_DIR;
const std::string kSource = CTM_SOURCE_DIR;

// Tables are loaded once per test binary (the 4-symbol one takes a second).
const BdmTable& pybdm_1d() {
  static const BdmTable t = BdmTable::load(kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv", 2, false);
  return t;
}
const BdmTable& oacc_4x4() {
  static const BdmTable t = BdmTable::load(kShared + "/anchors-data/oacc__K-4x4.csv", 2, true);
  return t;
}
const BdmTable& d52() {
  static const BdmTable t = BdmTable::load(kSource + "/data/d5-2.ctm", 2, false);
  return t;
}
const BdmTable& pybdm_b4() {
  static const BdmTable t = BdmTable::load(kSource + "/data/pybdm-ctm-b4-d12.tsv.gz", 4, false);
  return t;
}

SymbolArray seq(const std::string& s) { return SymbolArray::from_string(s); }
std::string rep(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
SymbolArray grid_of(int rows, int cols, uint8_t v) {
  return SymbolArray::grid(rows, cols, std::vector<uint8_t>(static_cast<size_t>(rows) * cols, v));
}

BdmOptions opts_1d(int block, Decomposition d = Decomposition::ignore) {
  BdmOptions o;
  o.block_cols = block;
  o.partition = d;
  return o;
}
BdmOptions opts_2d(int block, Decomposition d = Decomposition::ignore) {
  BdmOptions o;
  o.block_rows = o.block_cols = block;
  o.partition = d;
  return o;
}

double bdm_of(const BdmTable& t, const BdmOptions& o, const SymbolArray& x) {
  BdmScorer s(t, o);
  return s.bdm(x).bdm;
}

}  // namespace

TEST(Bdm, SpecReferenceValuesPybdm1D) {
  const BdmOptions o = opts_1d(12);
  EXPECT_NEAR(bdm_of(pybdm_1d(), o, seq(rep("0", 24))), 26.610413747641715, 1e-9);
  EXPECT_NEAR(bdm_of(pybdm_1d(), o, seq(rep("0", 12) + rep("1", 12))), 51.22082749528343, 1e-9);
  EXPECT_NEAR(bdm_of(pybdm_1d(), o, seq(rep("0", 6) + rep("1", 12) + rep("0", 18) + rep("1", 12))), 114.06151272200972, 1e-9);
  EXPECT_NEAR(bdm_of(pybdm_1d(), o, seq(rep("01", 18))), 28.575689149882567, 1e-9);
  EXPECT_NEAR(bdm_of(pybdm_1d(), opts_1d(10), seq(rep("1", 10))), 22.784225562763474, 1e-9);
  // The engine's own D(5,2) agrees on these (same K for all but two length-12 strings).
  EXPECT_NEAR(bdm_of(d52(), o, seq(rep("0", 24))), 26.610413747641715, 1e-9);
  EXPECT_NEAR(bdm_of(d52(), o, seq(rep("01", 18))), 28.575689149882567, 1e-9);
}

TEST(Bdm, SpecReferenceValues2D) {
  EXPECT_NEAR(bdm_of(oacc_4x4(), opts_2d(4), grid_of(12, 12, 1)), 25.176631293734488, 1e-9);
}

TEST(Bdm, SpecReferenceNbdm) {
  BdmScorer s1(pybdm_1d(), opts_1d(12));
  const std::vector<uint8_t> v{0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  EXPECT_NEAR(s1.nbdm(SymbolArray::sequence(v)), 0.648665654727082, 1e-9);
  BdmScorer s2(oacc_4x4(), opts_2d(4));
  const SymbolArray g = SymbolArray::grid(4, 4, {0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0});
  EXPECT_NEAR(s2.nbdm(g), 0.6139131118181638, 1e-9);
}

TEST(Bdm, SpecReferenceAcss) {
  BdmOptions o = opts_1d(12, Decomposition::acss);
  o.log_alphabet = true;
  o.delta = 1;
  EXPECT_NEAR(bdm_of(d52(), o, seq("010101010101010101")), 57.56641579904398, 1e-9);
  o.delta = 12;
  EXPECT_NEAR(bdm_of(d52(), o, seq("010101010101010101")), 41.448114079715396, 1e-9);
  BdmOptions o8 = opts_1d(8, Decomposition::acss);
  o8.log_alphabet = true;
  // delta left at 0: acss's default, the block size (non-overlapping, the short tail kept).
  EXPECT_NEAR(bdm_of(d52(), o8, seq(rep("01", 18))), 30.094887402251306, 1e-9);
  const AcssValue k2 = acss(d52(), "01011100");
  EXPECT_NEAR(k2.k, 22.0030069458495, 1e-9);
  EXPECT_NEAR(k2.d / 2.37922171238823e-07, 1.0, 1e-9);
  // acss K.4 comes from D(4,4); the only copy here is pybdm's ctm-b4-d12 table.
  EXPECT_NEAR(acss(pybdm_b4(), "01011100").k, 24.75269450012, 1e-9);
}

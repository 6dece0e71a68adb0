// BDM: the spec's reference values (../shared/spec/bdm.md), pybdm side by side on committed fixtures
// (tests/data/pybdm_*.tsv from tests/pybdm_reference.py), periodic against the wrapped object,
// perturbation against recomputation, thread-count independence, acss functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "cli_testing.hpp"
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

namespace {

const BdmTable& pybdm_2d() {
  static const BdmTable t = BdmTable::load(kSource + "/data/pybdm-ctm-b2-d4x4.tsv.gz", 2, true);
  return t;
}

struct FixtureRow {
  std::string kind, partition, data, value;
  int ndim, k, block, param, rows, cols;
};

std::vector<FixtureRow> read_fixtures() {
  std::ifstream in(kSource + "/tests/data/pybdm_reference.tsv");
  std::vector<FixtureRow> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    FixtureRow r;
    ss >> r.kind >> r.ndim >> r.k >> r.block >> r.partition >> r.param >> r.rows >> r.cols >> r.data >> r.value;
    out.push_back(r);
  }
  return out;
}

SymbolArray fixture_array(const FixtureRow& r) {
  std::vector<uint8_t> cells;
  for (char c : r.data) cells.push_back(static_cast<uint8_t>(c - '0'));
  return r.ndim == 1 ? SymbolArray::sequence(cells) : SymbolArray::grid(r.rows, r.cols, cells);
}

}  // namespace

// pybdm 0.1.0 itself, side by side: every decomposition it has, BDM, NBDM, entropy, perturbation,
// 1D binary and 4-symbol, 2D binary, each with pybdm's own table.
TEST(Bdm, PybdmFixtures) {
  const auto rows = read_fixtures();
  ASSERT_GT(rows.size(), 700u);
  std::map<std::string, int> checked;
  for (const auto& r : rows) {
    const BdmTable& table = r.ndim == 2 ? pybdm_2d() : (r.k == 4 ? pybdm_b4() : pybdm_1d());
    BdmOptions o = r.ndim == 2 ? opts_2d(r.block) : opts_1d(r.block);
    o.partition = parse_decomposition(r.partition);
    if (o.partition == Decomposition::correlated) o.shift = r.param;
    if (o.partition == Decomposition::recursive) o.min_length = r.param;
    const SymbolArray x = fixture_array(r);
    const std::string what = r.kind + " " + r.partition + " k=" + std::to_string(r.k) + " " + std::to_string(r.rows) + "x" +
                             std::to_string(r.cols) + " " + r.data;
    BdmScorer s(table, o);
    if (r.kind == "perturb") {
      const std::vector<double> d = perturbation_deltas(table, o, x, 2);
      std::istringstream vs(r.value);
      std::string item;
      size_t cell = 0;
      while (std::getline(vs, item, ',')) {
        const int to = (x.cells[cell] + 1) % r.k;
        ASSERT_NEAR(d[cell * r.k + to], std::stod(item), 1e-9) << what << " cell " << cell;
        ++cell;
      }
      ASSERT_EQ(cell, x.size()) << what;
    } else {
      const double expected = std::stod(r.value);
      double got = 0;
      if (r.kind == "bdm") got = s.bdm(x).bdm;
      else if (r.kind == "nbdm") got = s.nbdm(x);
      else if (r.kind == "ent") got = s.entropy(x, false);
      else got = s.entropy(x, true);
      ASSERT_NEAR(got, expected, 1e-9) << what;
    }
    ++checked[r.kind + "/" + r.partition];
  }
  // Each kind of value and decomposition was really exercised.
  for (const char* key : {"bdm/ignore", "bdm/correlated", "bdm/recursive", "ent/ignore", "ent/correlated", "ent/recursive",
                          "nbdm/ignore", "nent/ignore", "perturb/ignore"})
    EXPECT_GT(checked[key], 2) << key;
}

// Periodic: the same as ignore on the explicitly wrapped (padded) object, 1D and 2D.
TEST(Bdm, PeriodicEqualsWrappedObject) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 90);
    std::vector<uint8_t> v(n);
    for (auto& c : v) c = rng() % 2;
    const int padded = (n + 11) / 12 * 12;
    std::vector<uint8_t> w(padded);
    for (int i = 0; i < padded; ++i) w[i] = v[i % n];
    EXPECT_NEAR(bdm_of(d52(), opts_1d(12, Decomposition::periodic), SymbolArray::sequence(v)),
                bdm_of(d52(), opts_1d(12), SymbolArray::sequence(w)), 1e-9)
        << n;
    // With a shift: every rotation start, on the object repeated enough to hold all windows.
    BdmOptions slide = opts_1d(12, Decomposition::periodic);
    slide.shift = 1;
    std::vector<uint8_t> ring(n + 11);
    for (int i = 0; i < n + 11; ++i) ring[i] = v[i % n];
    EXPECT_NEAR(bdm_of(d52(), slide, SymbolArray::sequence(v)), bdm_of(d52(), opts_1d(12, Decomposition::correlated), SymbolArray::sequence(ring)),
                1e-9)
        << n;

    const int R = 1 + static_cast<int>(rng() % 14), C = 1 + static_cast<int>(rng() % 14);
    std::vector<uint8_t> g(static_cast<size_t>(R) * C);
    for (auto& c : g) c = rng() % 2;
    const int PR = (R + 3) / 4 * 4, PC = (C + 3) / 4 * 4;
    std::vector<uint8_t> t(static_cast<size_t>(PR) * PC);
    for (int r = 0; r < PR; ++r)
      for (int c = 0; c < PC; ++c) t[static_cast<size_t>(r) * PC + c] = g[static_cast<size_t>(r % R) * C + c % C];
    EXPECT_NEAR(bdm_of(oacc_4x4(), opts_2d(4, Decomposition::periodic), SymbolArray::grid(R, C, g)),
                bdm_of(oacc_4x4(), opts_2d(4), SymbolArray::grid(PR, PC, t)), 1e-9)
        << R << "x" << C;
  }
}

// Perturbation deltas equal BDM(changed) - BDM(original) recomputed from scratch, for every
// decomposition, alphabet and dimension (overlapping and wrapping blocks included).
TEST(Bdm, PerturbationEqualsRecomputation) {
  std::mt19937 rng(11);
  struct Case {
    const BdmTable* table;
    BdmOptions o;
    bool two_d;
    int k;
  };
  BdmOptions corr3 = opts_1d(12, Decomposition::correlated);
  corr3.shift = 3;
  BdmOptions per1 = opts_2d(4, Decomposition::periodic);
  per1.shift = 1;
  const Case cases[] = {
      {&d52(), opts_1d(12), false, 2},
      {&d52(), opts_1d(12, Decomposition::correlated), false, 2},
      {&d52(), corr3, false, 2},
      {&d52(), opts_1d(12, Decomposition::recursive), false, 2},
      {&d52(), opts_1d(12, Decomposition::periodic), false, 2},
      {&d52(), opts_1d(12, Decomposition::acss), false, 2},
      {&pybdm_b4(), opts_1d(12, Decomposition::correlated), false, 4},
      {&oacc_4x4(), opts_2d(4), true, 2},
      {&oacc_4x4(), opts_2d(4, Decomposition::correlated), true, 2},
      {&oacc_4x4(), per1, true, 2},
      {&pybdm_2d(), opts_2d(4, Decomposition::recursive), true, 2},
  };
  for (const Case& c : cases) {
    SymbolArray x;
    if (c.two_d) {
      const int R = 5 + rng() % 6, C = 5 + rng() % 6;
      std::vector<uint8_t> g(static_cast<size_t>(R) * C);
      for (auto& v : g) v = rng() % 3 == 0;  // sparse: repeated blocks
      x = SymbolArray::grid(R, C, g);
    } else {
      std::vector<uint8_t> v(30 + rng() % 20);
      for (auto& s : v) s = (rng() % 3 == 0) ? rng() % c.k : 0;
      x = SymbolArray::sequence(v);
    }
    const std::vector<double> d1 = perturbation_deltas(*c.table, c.o, x, 1);
    const std::vector<double> d2 = perturbation_deltas(*c.table, c.o, x, 3);
    ASSERT_EQ(d1, d2);  // identical for any thread count
    BdmScorer s(*c.table, c.o);
    const double base = s.bdm(x).bdm;
    int nonzero = 0;
    for (size_t cell = 0; cell < x.size(); ++cell)
      for (int sym = 0; sym < c.k; ++sym) {
        if (sym == x.cells[cell]) { EXPECT_EQ(d1[cell * c.k + sym], 0.0); continue; }
        SymbolArray y = x;
        y.cells[cell] = static_cast<uint8_t>(sym);
        ASSERT_NEAR(d1[cell * c.k + sym], s.bdm(y).bdm - base, 1e-9) << to_string(c.o.partition) << " cell " << cell;
        nonzero += d1[cell * c.k + sym] != 0;
      }
    EXPECT_GT(nonzero, 0);
  }
}

TEST(Bdm, BatchIndependentOfThreadCount) {
  std::mt19937 rng(3);
  std::vector<SymbolArray> inputs;
  for (int i = 0; i < 500; ++i) {
    std::vector<uint8_t> v(1 + rng() % 300);
    for (auto& s : v) s = rng() % 2;
    inputs.push_back(SymbolArray::sequence(v));
  }
  inputs[17].cells[0] = 5;  // one bad input: reported, the rest scored
  for (int what = 0; what < 4; ++what) {
    const auto one = score_batch(d52(), opts_1d(12), inputs, what, 1);
    const auto many = score_batch(d52(), opts_1d(12), inputs, what, 4);
    BdmScorer s(d52(), opts_1d(12));
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (i == 17) {
        EXPECT_NE(one[i].error.find("position 1"), std::string::npos) << one[i].error;
        continue;
      }
      ASSERT_TRUE(one[i].error.empty()) << one[i].error;
      if (std::isnan(one[i].value)) { EXPECT_TRUE(std::isnan(many[i].value)); continue; }
      EXPECT_EQ(one[i].value, many[i].value) << i;  // bit for bit
      if (what == 0) EXPECT_EQ(one[i].value, s.bdm(inputs[i]).bdm);
    }
  }
}

TEST(Bdm, MissingBlocksImputedAndCounted) {
  // The two length-12 strings absent from D(5,2): max K of length 12 + 1 each, both reported.
  BdmScorer s(d52(), opts_1d(12));
  const BdmResult r = s.bdm(seq("000110100111111001011000000110100111"));
  EXPECT_EQ(r.imputed, 3u);
  EXPECT_EQ(r.blocks, 3u);
  EXPECT_EQ(r.distinct, 2u);
  const double max12 = d52().shape(d52().shape_index(1, 12)).max_k;
  EXPECT_NEAR(r.bdm, 2 * (max12 + 1) + 1, 1e-9);
  EXPECT_GT(max12, 30.0);
  // The same strings with pybdm's table: its stored value, not imputed.
  BdmScorer p(pybdm_1d(), opts_1d(12));
  EXPECT_EQ(p.bdm(seq("000110100111")).imputed, 0u);
  EXPECT_NEAR(p.bdm(seq("000110100111")).bdm, 37.479236302416716, 1e-9);
}

TEST(Bdm, EngineTableMatchesPybdmOnAllOtherStrings) {
  // Default 1D table (D(5,2)) vs pybdm's: every binary string of length 1..12 but the two absent.
  int compared = 0;
  for (int len = 1; len <= 12; ++len)
    for (uint32_t code = 0; code < (1u << len); ++code) {
      std::string s;
      for (int i = len - 1; i >= 0; --i) s += static_cast<char>('0' + ((code >> i) & 1));
      if (s == "000110100111" || s == "111001011000") continue;
      const int sh = d52().shape_index(1, len), sp = pybdm_1d().shape_index(1, len);
      ASSERT_NEAR(d52().k_of(sh, code), pybdm_1d().k_of(sp, code), 1e-9) << s;
      ++compared;
    }
  EXPECT_EQ(compared, 8190 - 2);
}

TEST(Bdm, AcssFunctions) {
  const std::string s = "01011100";
  const std::vector<double> lc = local_complexity(d52(), s, 4);
  ASSERT_EQ(lc.size(), 5u);
  for (size_t i = 0; i < lc.size(); ++i) EXPECT_DOUBLE_EQ(lc[i], acss(d52(), s.substr(i, 4)).k);
  // likelihood_d: D(s) over the D mass of all strings of length 8 (all 256 present in D(5,2)).
  double mass = 0;
  for (uint32_t code = 0; code < 256; ++code) {
    std::string t;
    for (int i = 7; i >= 0; --i) t += static_cast<char>('0' + ((code >> i) & 1));
    mass += acss(d52(), t).d;
  }
  EXPECT_NEAR(likelihood_d(d52(), s), acss(d52(), s).d / mass, 1e-15);
  // Normalised table (pybdm's 4-symbol): each key counted k!/(k-u)! times; "0000" stands for 4.
  double mass4 = 0;
  const auto& sh = pybdm_b4().shape(pybdm_b4().shape_index(1, 2));
  for (const auto& e : sh.keys) mass4 += std::exp2(-e.second) * (e.first == 0 ? 4 : 12);
  EXPECT_NEAR(likelihood_d(pybdm_b4(), "23"), acss(pybdm_b4(), "01").d / mass4, 1e-15);
  const double lr = likelihood_ratio(d52(), s);
  EXPECT_NEAR(lr, std::pow(2.0, -8) / likelihood_d(d52(), s), 1e-15);
  EXPECT_NEAR(prob_random(d52(), s, 0.5), lr / (lr + 1), 1e-15);
  EXPECT_NEAR(prob_random(d52(), s, 0.2), lr * 0.2 / (lr * 0.2 + 0.8), 1e-15);
  // A regular string is less likely random than an irregular one.
  EXPECT_LT(prob_random(d52(), "00000000"), prob_random(d52(), "01101001"));
}

// pybdm's 5-, 6- and 9-symbol tables (D(4,5), D(4,6), D(4,9)) are the 1D defaults for those k.
// Expected values: pybdm 0.1.0 with its own ctm-bK-d12 tables, BDM(ndim=1, nsymbols=k, shape=(len,))
// .bdm(x) for K of one block (concrete symbols: looked up by normalised key) and BDM(ndim=1,
// nsymbols=k).bdm(x) (blocks of 12, ignore) for the sequences; computed once in Python, 2026-11-29.
TEST(Bdm, PybdmNonBinaryDefaultsMatchPybdm) {
  struct Case {
    int k;
    std::vector<std::pair<std::string, double>> k_of;
    std::string sequence;
    double bdm;
  };
  const std::vector<Case> cases = {
      {5,
       {{"4", 3.94703157342403}, {"31", 6.108778693220191}, {"4204", 13.2841126341131}, {"43210", 17.2830677780277},
        {"444444444444", 25.7169324254184}, {"012340123401", 39.6789608181962}},
       "00000030003000010004101011110021244022230003340100", 152.13261304568482},
      // The last block of this sequence (normalised 012301234012) is not in pybdm's table: imputed
      // as (max K of length 12) + 1 on both sides.
      {6,
       {{"5", 4.26820030481658}, {"52", 6.6751973787292505}, {"5115", 13.9852228826914}, {"543210", 22.340748628576698},
        {"555555555555", 26.5668802780508}, {"501234501234", 44.65740625513251}},
       "00210501040400003030000001001500003440005345102503", 162.9393092021682},
      {9,
       {{"8", 4.9643438840908605}, {"81", 7.927055144353731}, {"8118", 16.0662271179155}, {"876543210", 38.7431155190717},
        {"888888888888", 29.0845400720798}, {"012345678012", 52.4124435234676}},
       "52081007021101030100500060310300007361008000006085", 182.6893889754456},
  };
  for (const Case& c : cases) {
    const std::string path = BdmTable::default_path(c.k, false);
    const std::string name = "pybdm-ctm-b" + std::to_string(c.k) + "-d12.tsv.gz";
    ASSERT_EQ(path.substr(path.size() - name.size()), name) << path;
    const BdmTable t = BdmTable::load(path, c.k, false);
    for (const auto& [s, k] : c.k_of)
      EXPECT_NEAR(bdm_of(t, opts_1d(static_cast<int>(s.size())), seq(s)), k, 1e-9) << "k=" << c.k << " " << s;
    BdmScorer scorer(t, opts_1d(12));
    const auto r = scorer.bdm(seq(c.sequence));
    EXPECT_NEAR(r.bdm, c.bdm, 1e-9) << "k=" << c.k;
    EXPECT_EQ(r.imputed, c.k == 6 ? 1u : 0u) << "k=" << c.k;  // only the k = 6 sequence has a block missing
  }
}

TEST(Bdm, LogBaseAndEntropyClosedForms) {
  // 4-symbol sequence of 3 equal blocks: BDM = K + log_k(3) with the alphabet base.
  BdmOptions o = opts_1d(6);
  const SymbolArray x = seq("012301012301012301");
  BdmScorer s2(pybdm_b4(), o);
  o.log_alphabet = true;
  BdmScorer s4(pybdm_b4(), o);
  const double k = acss(pybdm_b4(), "012301").k;
  EXPECT_NEAR(s2.bdm(x).bdm, k + std::log2(3.0), 1e-12);
  EXPECT_NEAR(s4.bdm(x).bdm, k + std::log2(3.0) / 2, 1e-12);
  EXPECT_NEAR(s2.entropy(x), 0.0, 1e-15);
  EXPECT_NEAR(s2.entropy(seq("000000111111000000222222")), -(2.0 / 4) * std::log2(0.5) - 2 * 0.25 * std::log2(0.25), 1e-12);
}

// ---- CLI: ctm bdm / ctm perturb as a user runs them ----
namespace {

using test_support::CliResult;
using test_support::run_cli;

std::string cli_dir() { return test_support::temp_dir("ctm-bdm-cli-"); }

// Value column of the data row whose first field is `name`.
double value_of(const std::string& out, const std::string& name) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + "\t", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return std::nan("");
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST(BdmCli, BatchScoresGoodInputsAndReportsBadOnesOnce) {
  const std::string dir = cli_dir();
  write_file(dir + "/in.txt", std::string(24, '0') + "\n0120\n\n" + rep("01", 18) + "\n0011x\n");
  const CliResult r = run_cli("bdm --table " + kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv " + dir + "/in.txt " +
                                  dir + "/missing.txt",
                              dir);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NEAR(value_of(r.out, dir + "/in.txt:1"), 26.610413747641715, 1e-9) << r.out;
  EXPECT_NEAR(value_of(r.out, dir + "/in.txt:4"), 28.575689149882567, 1e-9) << r.out;
  EXPECT_NE(r.out.find("# table: " + kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv"), std::string::npos) << r.out;
  // One line per bad input, naming it and the position.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 4) << r.err;
  EXPECT_NE(r.err.find("in.txt:2: symbol 2 at position 3 is outside the alphabet 0..1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.txt:3: empty input"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.txt:5: character 'x' at position 5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.txt: cannot open"), std::string::npos) << r.err;
  // Bad options: one line, status 2.
  const CliResult bad = run_cli("bdm --block 4y4 " + dir + "/in.txt", dir);
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

TEST(BdmCli, NineSymbolsUsePybdmsD49ByDefault) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", "52081007021101030100500060310300007361008000006085\n");
  const CliResult r = run_cli("bdm --symbols 9 " + dir + "/s.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(value_of(r.out, dir + "/s.txt:1"), 182.6893889754456, 1e-9) << r.out;  // pybdm 0.1.0, as above
  EXPECT_NE(r.out.find("pybdm-ctm-b9-d12.tsv.gz"), std::string::npos) << r.out;
}

TEST(BdmCli, ArraysFromCsvNpyAndImagesAgree) {
  const std::string dir = cli_dir();
  // The same 12x12 array of ones as CSV, .npy (int64 and uint8), PBM (P1, P4) and PGM (P2, P5).
  std::string csv;
  for (int r = 0; r < 12; ++r) csv += "1,1,1,1,1,1,1,1,1,1,1,1\n";
  write_file(dir + "/ones.csv", csv);
  auto npy = [&](const std::string& descr, int width) {
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (12, 12), }";
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string b = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) + '\0' + h;
    for (int i = 0; i < 144; ++i) { b += '\x01'; b += std::string(width - 1, '\0'); }
    return b;
  };
  write_file(dir + "/ones64.npy", npy("<i8", 8));
  write_file(dir + "/ones8.npy", npy("|u1", 1));
  std::string p1 = "P1\n# comment\n12 12\n";
  for (int i = 0; i < 144; ++i) p1 += "1 ";
  write_file(dir + "/ones.pbm", p1);
  std::string p4 = "P4\n12 12\n";
  for (int r = 0; r < 12; ++r) p4 += std::string("\xff\xf0", 2);
  write_file(dir + "/ones4.pbm", p4);
  std::string p2 = "P2\n12 12\n1\n";
  for (int i = 0; i < 144; ++i) p2 += "1\n";
  write_file(dir + "/ones.pgm", p2);
  write_file(dir + "/ones5.pgm", "P5\n12 12\n1\n" + std::string(144, '\x01'));
  write_file(dir + "/ragged.csv", "1,0,1\n1,0\n");
  // The published value needs the published table (OACC K-4x4), named explicitly: the 2D default is
  // the engine's own block table (tests/test_blocks2d.cpp).
  const CliResult r = run_cli("bdm --block 4x4 --table " + kShared + "/anchors-data/oacc__K-4x4.csv " + dir + "/ones.csv " + dir + "/ones64.npy " + dir + "/ones8.npy " + dir +
                                  "/ones.pbm " + dir + "/ones4.pbm " + dir + "/ones.pgm " + dir + "/ones5.pgm " + dir + "/ragged.csv",
                              dir);
  EXPECT_EQ(r.status, 1);
  for (const char* f : {"/ones.csv", "/ones64.npy", "/ones8.npy", "/ones.pbm", "/ones4.pbm", "/ones.pgm", "/ones5.pgm"})
    EXPECT_NEAR(value_of(r.out, dir + f), 25.176631293734488, 1e-9) << f << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find("ragged.csv: line 2: ragged array"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(BdmCli, PerturbWritesTsvAndNpy) {
  const std::string dir = cli_dir();
  const std::string s = "010011010111000101101110";
  write_file(dir + "/s.txt", s + "\n");
  const CliResult r = run_cli("perturb " + dir + "/s.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<double> d = perturbation_deltas(d52(), opts_1d(12), seq(s));
  std::istringstream in(r.out);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("position", 0) == 0) continue;
    int pos, from, to;
    double delta;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d\t%d\t%d\t%lf", &pos, &from, &to, &delta), 4) << line;
    EXPECT_EQ(from, s[pos - 1] - '0');
    EXPECT_NEAR(delta, d[(pos - 1) * 2 + to], 1e-12);
    ++rows;
  }
  EXPECT_EQ(rows, 24);
  const CliResult n = run_cli("perturb --out " + dir + "/p.npy " + dir + "/s.txt", dir);
  ASSERT_EQ(n.status, 0) << n.err;
  std::ifstream f(dir + "/p.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  ASSERT_EQ(bytes.size() % 64, (24 * 8) % 64);
  EXPECT_NE(bytes.find("'shape': (24,)"), std::string::npos);
  double last;
  std::memcpy(&last, bytes.data() + bytes.size() - 8, 8);
  EXPECT_EQ(last, d[23 * 2 + (1 - (s[23] - '0'))]);
}

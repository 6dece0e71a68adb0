// BDM: the spec's reference values (../shared/spec/bdm.md), pybdm side by side on committed fixtures
// (tests/data/pybdm_*.tsv from tests/pybdm_reference.py), periodic against the wrapped object,
// perturbation against recomputation, thread-count independence, acss functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "bdm/detail.hpp"
#include "bdm_testing.hpp"
#include "cli_testing.hpp"
#include "ctm/bdm.hpp"
#include "engine/parallel.hpp"

namespace {

using namespace ctm;
using namespace ctm::test_support;

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
const BdmTable& pybdm_b4() {
  static const BdmTable t = BdmTable::load(kSource + "/data/pybdm-ctm-b4-d12.tsv.gz", 4, false);
  return t;
}

SymbolArray grid_of(int rows, int cols, uint8_t v) {
  return SymbolArray::grid(rows, cols, std::vector<uint8_t>(static_cast<size_t>(rows) * cols, v));
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
      if (s.decompose(x).empty()) {  // pybdm (raise_if_zero=False here) gives 0; ctm raises, as pybdm's default
        EXPECT_EQ(expected, 0.0) << what;
        EXPECT_THROW(r.kind == "bdm" ? s.bdm(x).bdm : s.entropy(x, false), Error) << what;
        ++checked["no blocks"];
        continue;
      }
      double got = 0;
      if (r.kind == "bdm") got = s.bdm(x).bdm;
      else if (r.kind == "nbdm" && r.k == 4 && r.block == 12) {
        // pybdm's ctm-b4-d12 lacks 88,154 length-12 patterns and pybdm's maxBDM leaves them out (its
        // NBDM can exceed 1); ctm's cycles through them first, at max K + 1. With fewer blocks than
        // missing patterns: maxBDM = n (max K + 1), closed form. Shorter blocks: the table is complete.
        const BdmResult b = s.bdm(x);
        const BdmTable::Shape& sh = table.shape(table.shape_index(1, r.block));
        const double n = static_cast<double>(b.blocks), min_bdm = sh.min_k + std::log2(n);
        ASSERT_NEAR(s.nbdm(x), (b.bdm - min_bdm) / (n * (sh.max_k + 1) - min_bdm), 1e-12) << what;
        EXPECT_LE(s.nbdm(x), 1.0);
        ++checked["nbdm k=4"];
        continue;
      } else if (r.kind == "nbdm") got = s.nbdm(x);
      else if (r.kind == "ent") got = s.entropy(x, false);
      else got = s.entropy(x, true);
      ASSERT_NEAR(got, expected, 1e-9) << what;
    }
    ++checked[r.kind + "/" + r.partition];
  }
  // Each kind of value and decomposition was really exercised.
  for (const char* key : {"no blocks", "nbdm k=4", "bdm/ignore", "bdm/correlated", "bdm/recursive", "ent/ignore", "ent/correlated", "ent/recursive",
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
      if (inputs[i].size() < 12) {  // no blocks: an error (pybdm raises), never a NaN row
        EXPECT_NE(one[i].error.find("no blocks"), std::string::npos) << i;
        EXPECT_EQ(one[i].error, many[i].error);
        continue;
      }
      if (what == 3 && inputs[i].size() < 24) {  // one block: Hmax = Hmin (pybdm: ZeroDivisionError)
        EXPECT_NE(one[i].error.find("undefined"), std::string::npos) << i;
        continue;
      }
      ASSERT_TRUE(one[i].error.empty()) << one[i].error;
      ASSERT_FALSE(std::isnan(one[i].value)) << i;
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

// ---- Issue 14 ----

// Bug 4: maxBDM counts the blocks the table lacks at their imputed K, so NBDM <= 1. pybdm's own
// binary table holds all 4096 strings; D(5,2) lacks 000110100111 and 111001011000 (pybdm: K
// 37.479236302416716, its largest), imputed at max K + 1. Values: pybdm 0.1.0, BDM(ndim=1).nbdm.
TEST(Bdm, NbdmCountsImputedBlocksAndMatchesPybdm) {
  struct Case {
    std::string s;
    double pybdm_nbdm;
  };
  const Case cases[] = {
      {"101000100001", 0.5071401817729458},
      {"100010000100001100100010", 0.760500913350369},
      {"000111111100001111100101011001111100110011111011001001001110011101111100000000101100111001111101100001001000001000101111",
       0.8659596727052093},
      {"000110100111", 1.0},
  };
  BdmScorer py(pybdm_1d(), opts_1d(12)), ours(d52(), opts_1d(12));
  const int s12 = d52().shape_index(1, 12);
  const double imputed = d52().shape(s12).max_k + 1, pybdm_top = 37.479236302416716, min_k = d52().shape(s12).min_k;
  for (const Case& c : cases) {
    // With pybdm's table: pybdm's number.
    EXPECT_NEAR(py.nbdm(seq(c.s)), c.pybdm_nbdm, 1e-12) << c.s;
    // With D(5,2): pybdm's maxBDM with its two top strings at the imputed K instead (all other K
    // agree to 1e-9), recovered from pybdm's NBDM: max = min + (BDM - min) / NBDM.
    const double value = ours.bdm(seq(c.s)).bdm, n = static_cast<double>(c.s.size() / 12);
    const double min_bdm = min_k + std::log2(n);
    double expected = 1.0;
    if (c.s != "000110100111") {
      const double py_max = min_bdm + (py.bdm(seq(c.s)).bdm - min_bdm) / c.pybdm_nbdm;
      expected = (value - min_bdm) / (py_max + std::min(n, 2.0) * (imputed - pybdm_top) - min_bdm);
    }
    EXPECT_NEAR(ours.nbdm(seq(c.s)), expected, 1e-9) << c.s;
  }
  // NBDM <= 1 for every 12-bit string and for pairs of the most complex ones.
  for (int v = 0; v < 4096; ++v) {
    std::string s;
    for (int i = 11; i >= 0; --i) s += static_cast<char>('0' + ((v >> i) & 1));
    EXPECT_LE(ours.nbdm(seq(s)), 1.0 + 1e-12) << s;
  }
  EXPECT_LE(ours.nbdm(seq("000110100111111001011000")), 1.0 + 1e-12);
  EXPECT_DOUBLE_EQ(ours.nbdm(seq("000110100111111001011000")), 1.0);
}

// Bug 9: an input smaller than the block: pybdm raises for ignore/correlated (BDM 0); recursive
// scores the smaller blocks (pybdm 0.1.0: 10.712578829976554 for 00000); acss keeps the short
// block; periodic wraps around the ring; NBDM over a shape of one K is an error, not NaN.
TEST(Bdm, InputSmallerThanTheBlock) {
  const SymbolArray x = seq("00000");
  for (Decomposition d : {Decomposition::ignore, Decomposition::correlated}) {
    BdmScorer s(d52(), opts_1d(12, d));
    EXPECT_THROW(s.bdm(x), Error) << to_string(d);
    EXPECT_THROW(s.entropy(x), Error) << to_string(d);
  }
  EXPECT_THROW(perturbation_deltas(d52(), opts_1d(12), x), Error);
  BdmScorer rec(d52(), opts_1d(12, Decomposition::recursive));
  EXPECT_NEAR(rec.bdm(x).bdm, 10.712578829976554, 1e-9);
  BdmScorer ring(d52(), opts_1d(12, Decomposition::periodic));
  EXPECT_EQ(ring.bdm(x).bdm, ring.bdm(seq(rep("0", 12))).bdm);
  BdmScorer acss_part(d52(), opts_1d(12, Decomposition::acss));
  EXPECT_EQ(acss_part.bdm(x).bdm, acss(d52(), "00000").k);
  BdmOptions o = opts_1d(12, Decomposition::recursive);
  o.min_length = 6;
  BdmScorer rec6(d52(), o);
  EXPECT_THROW(rec6.bdm(x), Error);
  BdmScorer one(d52(), opts_1d(1));  // one block of one cell: maxBDM = minBDM (pybdm: ZeroDivisionError)
  EXPECT_THROW(one.nbdm(seq("0")), Error);
  EXPECT_THROW(one.entropy(seq("0"), true), Error);
  BdmScorer two_d(oacc_4x4(), opts_2d(4));
  EXPECT_THROW(two_d.bdm(grid_of(3, 8, 1)), Error);
}

// Bug 6: tables of the wrong dimension or alphabet are refused.
TEST(Bdm, TableDimensionAndAlphabetMustMatch) {
  EXPECT_THROW(BdmTable::load(kSource + "/data/d5-2.ctm", 2, true), Error);
  EXPECT_THROW(BdmTable::load(kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv", 2, true), Error);
  EXPECT_THROW(BdmTable::load(kSource + "/data/pybdm-ctm-b2-d4x4.tsv.gz", 2, false), Error);
  EXPECT_THROW(BdmTable::load(kSource + "/data/ctm-2d-blocks-4x4.tsv.gz", 2, false), Error);
  EXPECT_THROW(BdmTable::load(kSource + "/data/d5-2.ctm", 3, false), Error);
  EXPECT_THROW(BdmTable::load(kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv", 4, false), Error);
  EXPECT_EQ(BdmTable::load(kSource + "/data/d3-3.ctm", 0, false).symbols(), 3);
  EXPECT_EQ(BdmTable::load(kShared + "/anchors-data/oacc__K-4x4.csv", 0, true).symbols(), 2);
}

// Bug 10: entropy reports the blocks it counted.
TEST(Bdm, EntropyReportsItsBlocks) {
  const std::vector<SymbolArray> in = {seq(rep("01", 12)), seq(rep("0", 36))};
  const std::vector<BatchScore> r = score_batch(d52(), opts_1d(12), in, 2, 1);
  EXPECT_EQ(r[0].result.blocks, 2u);
  EXPECT_EQ(r[1].result.blocks, 3u);
  EXPECT_EQ(r[1].result.distinct, 1u);
  BdmResult counted;
  BdmScorer s(d52(), opts_1d(12));
  EXPECT_EQ(s.entropy(seq("000110100111" + rep("0", 12)), false, &counted), 1.0);
  EXPECT_EQ(counted.blocks, 2u);
  EXPECT_EQ(counted.imputed, 1u);
}

// Issue 13 point 4: the one flat map (block counts, K lookups) and parallel_for's exceptions.
TEST(Bdm, FlatMapAndParallelFor) {
  bdm_detail::FlatMap<uint32_t> m(4);
  std::map<uint64_t, uint32_t> want;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 5000; ++i) {  // grows several times
    const uint64_t key = rng() % 3000 * 0x9e3779b97f4a7c15ull >> 3;
    ++m[key];
    ++want[key];
  }
  EXPECT_EQ(m.size(), want.size());
  for (const auto& [key, n] : want) {
    ASSERT_NE(m.find(key), nullptr);
    EXPECT_EQ(*m.find(key), n);
  }
  EXPECT_EQ(m.find(1ull << 62), nullptr);
  m.clear();
  EXPECT_EQ(m.size(), 0u);
  for (const auto& [key, n] : want) EXPECT_EQ(m.find(key), nullptr);
  // The first exception of a worker reaches the caller after every thread joined; other items ran.
  for (int threads : {1, 4}) {
    std::vector<std::atomic<int>> seen(1000);
    EXPECT_THROW(detail::parallel_for(1000, threads,
                                      [&](int, size_t i) {
                                        ++seen[i];
                                        if (i == 10) throw Error("item 10");
                                      }),
                 Error);
    int total = 0;
    for (auto& s : seen) total += s.load();
    EXPECT_GE(total, 11);
    EXPECT_LE(total, 1000);
    std::vector<int> once(1000, 0);
    detail::parallel_for(1000, threads, [&](int, size_t i) { ++once[i]; });
    EXPECT_EQ(std::count(once.begin(), once.end(), 1), 1000);
  }
}

// Issue 13 point 4: run_work_items (the enumerators' and the CPU sampler's pool) sits on parallel_for,
// so a throw in a worker, or in the progress report on the calling thread, becomes an exception.
TEST(Bdm, RunWorkItemsPassesWorkerAndProgressExceptionsOn) {
  for (bool report : {false, true}) {
    EnumerateOptions opt;
    opt.progress_interval = 0.001;
    if (report) opt.progress = [](const Progress&) { return true; };
    std::atomic<bool> cancel{false};
    EXPECT_THROW(detail::run_work_items(
                     200, 3, opt, std::chrono::steady_clock::now(), cancel,
                     [](int, size_t i) { if (i == 7) throw Error("item 7"); }, nullptr, "test"),
                 Error);
  }
  EnumerateOptions opt;
  opt.progress_interval = 0.001;
  opt.progress = [](const Progress&) -> bool { throw std::runtime_error("report"); };
  std::atomic<bool> cancel{false};
  EXPECT_THROW(detail::run_work_items(
                   1000, 2, opt, std::chrono::steady_clock::now(), cancel,
                   [](int, size_t) { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }, nullptr, "test"),
               std::runtime_error);
}
